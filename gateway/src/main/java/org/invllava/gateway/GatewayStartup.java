package org.invllava.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The gateway's configuration from its settings ({@link GatewaySettings}), for its Quarkus app
 * ({@link org.invllava.gateway.server.GatewayApp}) and the tests; every value is checked here, before Kafka is touched.
 */
public final class GatewayStartup {
    private GatewayStartup() {}

    public static GatewayConfig config(GatewaySettings settings) {
        GatewaySettings.Gateway g = settings.gateway();
        GatewayConfig.Limits limits = new GatewayConfig.Limits(
                g.maxRequestBytes(),
                g.maxImageBytes(),
                g.maxImagePixels(),
                g.maxPromptChars(),
                g.maxTokens(),
                g.defaultMaxTokens(),
                Duration.ofMillis(g.deadlineMs()),
                g.maxInFlight());
        GatewayConfig.Access access = new GatewayConfig.Access(
                ApiKeys.load(
                        g.apiKeys().orElse(null),
                        g.apiKeysFile().map(Path::of).orElse(null),
                        g.keyLabelSecret().orElse(null)),
                g.keyMaxConcurrent(),
                list(g.imageUrlAllowlist()),
                Duration.ofMillis(g.imageFetchTimeoutMs()));
        GatewayConfig.Connections connections = new GatewayConfig.Connections(
                g.maxConnections(),
                g.maxConnectionsPerAddress(),
                Duration.ofMillis(g.idleTimeoutMs()),
                Duration.ofMillis(g.wsFirstMessageTimeoutMs()),
                list(g.allowedOrigins()),
                list(g.allowedHosts()));
        String id = g.instanceId().or(settings::hostname).orElseGet(() -> "gateway-" + UUID.randomUUID());
        return new GatewayConfig(
                settings.kafka().settings("gateway"),
                id,
                g.host(),
                g.port(),
                ServedModels.parse(g.models()),
                limits,
                access,
                connections,
                Duration.ofMillis(g.capacityPollMs()));
    }

    private static List<String> list(Optional<String> commaSeparated) {
        return Arrays.stream(commaSeparated.orElse("").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
