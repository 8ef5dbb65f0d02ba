package org.invllava.fusion.svc;

import java.time.Duration;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.schemas.ModelTopics;

/**
 * The fusion LLM's settings: the Streams application id (its consumer group and state), how long a prompt
 * waits for its image features ({@code joinWindow}), the generation consumer group, the batching engine's limits
 * ({@code engine}: sequences per step, tokens per step, KV pool), and how many requests may wait for a place in the
 * batch ({@code maxQueued}); the work consumer pauses a work topic while {@code engine.maxBatch() + maxQueued} of its
 * requests are in flight (interactive and bulk work each);
 * {@code orphanGrace}: how long an answer nobody listens to goes on before it is cancelled.
 */
public record FusionLlmConfig(
        KafkaSettings kafka,
        String applicationId,
        Duration joinWindow,
        String workGroupId,
        EngineConfig engine,
        int maxQueued,
        String stateDir,
        ModelTopics topics,
        Duration orphanGrace) {
    public FusionLlmConfig {
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max queued requests must be at least 0");
        }
        if (orphanGrace.isNegative() || orphanGrace.isZero()) {
            throw new IllegalArgumentException("orphan grace period must be positive");
        }
        if (joinWindow.isNegative() || joinWindow.isZero()) {
            throw new IllegalArgumentException("join window must be positive");
        }
        if (workGroupId.equals(applicationId)) { // Streams' group would refuse the scheduler's consumer for good
            throw new IllegalArgumentException(
                    "the work group id and the Streams application id must differ (both " + workGroupId + ")");
        }
    }

    /** Requests accepted from {@code vlm.work} and not yet answered, at most. */
    public int maxInFlight() {
        return engine.maxBatch() + maxQueued;
    }

    /** The same settings with {@code kafka} (a resolved session timeout, say). */
    public FusionLlmConfig withKafka(KafkaSettings kafka) {
        return new FusionLlmConfig(
                kafka, applicationId, joinWindow, workGroupId, engine, maxQueued, stateDir, topics, orphanGrace);
    }

    /** The same settings with {@code grace} as the orphan grace period. */
    public FusionLlmConfig withOrphanGrace(Duration grace) {
        return new FusionLlmConfig(
                kafka, applicationId, joinWindow, workGroupId, engine, maxQueued, stateDir, topics, grace);
    }
}
