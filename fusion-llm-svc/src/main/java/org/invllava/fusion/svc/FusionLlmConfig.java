package org.invllava.fusion.svc;

import java.time.Duration;
import org.invllava.kafka.KafkaSettings;

/**
 * The fusion LLM's settings: the Streams application id (its consumer group and state), how long a prompt
 * waits for its image features ({@code joinWindow}), the generation consumer group, and how many requests
 * generate at once ({@code maxConcurrent}); the work consumer pauses while that many are in flight.
 */
public record FusionLlmConfig(KafkaSettings kafka, String applicationId, Duration joinWindow, String workGroupId,
                              int maxConcurrent, String stateDir) {
    public FusionLlmConfig {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max concurrent requests must be at least 1");
        }
        if (joinWindow.isNegative() || joinWindow.isZero()) {
            throw new IllegalArgumentException("join window must be positive");
        }
    }

    public static FusionLlmConfig defaults(KafkaSettings kafka, String stateDir) {
        return new FusionLlmConfig(kafka, "fusion-llm-join", Duration.ofMinutes(2), "fusion-llm", 4, stateDir);
    }
}
