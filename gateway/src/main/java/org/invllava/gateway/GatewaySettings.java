package org.invllava.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Optional;
import org.invllava.host.config.KafkaConnection;

/**
 * Everything the gateway is configured with, each setting once with its default; an environment variable sets the
 * property of its name ({@code GATEWAY_MAX_TOKENS} is {@code gateway.max-tokens}), as do
 * {@code application.properties}, {@code -D} and profiles (docs/operations.md lists them).
 */
@ConfigMapping(prefix = "")
public interface GatewaySettings {
    KafkaConnection kafka();

    Gateway gateway();

    /** {@code HOSTNAME}: the pod's name, the instance id unless {@code GATEWAY_INSTANCE_ID} is set. */
    @WithName("hostname")
    Optional<String> hostname();

    /** {@code GATEWAY_*}: identity and listener, served models, limits, access, connections. */
    interface Gateway {
        Optional<String> instanceId();

        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("8080")
        int port();

        /** Served model ids, comma-separated, the first the default. */
        @WithDefault(GatewayConfig.DEFAULT_MODEL_ID)
        String models();

        /** At most the largest Kafka record ({@code Topics.MAX_MESSAGE_BYTES}). */
        @WithDefault("16777216")
        int maxRequestBytes();

        @WithDefault("10485760")
        int maxImageBytes();

        @WithDefault("16777216")
        long maxImagePixels();

        @WithDefault("8000")
        int maxPromptChars();

        @WithDefault("2048")
        int maxTokens();

        @WithDefault("256")
        int defaultMaxTokens();

        @WithDefault("120000")
        int deadlineMs();

        @WithDefault("256")
        int maxInFlight();

        /** Comma-separated; none: open (docs/security.md). */
        Optional<String> apiKeys();

        Optional<String> apiKeysFile();

        Optional<String> keyLabelSecret();

        @WithDefault("16")
        int keyMaxConcurrent();

        /** Comma-separated http(s) URL prefixes {@code image_url} may fetch from; none: data URLs only. */
        Optional<String> imageUrlAllowlist();

        @WithDefault("10000")
        int imageFetchTimeoutMs();

        @WithDefault("1024")
        int maxConnections();

        @WithDefault("64")
        int maxConnectionsPerAddress();

        @WithDefault("180000")
        int idleTimeoutMs();

        @WithDefault("10000")
        int wsFirstMessageTimeoutMs();

        /** Comma-separated page origins besides the gateway's own. */
        Optional<String> allowedOrigins();

        /** Comma-separated host names it answers for; none: any. */
        Optional<String> allowedHosts();

        /** How often to ask the broker which models have running services; 0: never. */
        @WithDefault("1000")
        int capacityPollMs();
    }
}
