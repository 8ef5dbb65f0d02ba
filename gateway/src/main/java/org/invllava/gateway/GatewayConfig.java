package org.invllava.gateway;

import java.time.Duration;
import org.invllava.kafka.KafkaSettings;

/**
 * Gateway limits and identity. {@code instanceId} is written into every request's {@code replyTo}, so each
 * replica relays only its own clients' chunks. Limits: whole WebSocket message, decoded image, question length
 * (characters), {@code max_tokens}; {@code deadline} bounds a request end to end.
 */
public record GatewayConfig(KafkaSettings kafka, String instanceId, String host, int port, int maxMessageBytes,
                            int maxImageBytes, int maxPromptChars, int maxTokensLimit, int defaultMaxTokens,
                            Duration deadline) {
    public GatewayConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxImageBytes < 1 || maxPromptChars < 1 || maxTokensLimit < 1 || defaultMaxTokens < 1) {
            throw new IllegalArgumentException("gateway limits must be positive");
        }
        if (maxMessageBytes < maxImageBytes) {
            throw new IllegalArgumentException("max message bytes must hold the base64 of the largest image");
        }
    }

    public static GatewayConfig defaults(KafkaSettings kafka, String instanceId, int port) {
        return new GatewayConfig(kafka, instanceId, "127.0.0.1", port, 16 << 20, 10 << 20, 8000, 2048, 256,
                Duration.ofMinutes(2));
    }
}
