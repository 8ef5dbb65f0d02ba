package org.invllava.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.invllava.host.Env;
import org.invllava.schemas.Topics;

/**
 * The gateway's configuration from environment variables, for its Quarkus app ({@link org.invllava.gateway.server.GatewayApp}) and the tests
 * (README lists them with their defaults):
 * {@code KAFKA_BOOTSTRAP_SERVERS} (required), {@code GATEWAY_HOST}, {@code GATEWAY_PORT},
 * {@code GATEWAY_INSTANCE_ID} (default: the pod's {@code HOSTNAME}), {@code GATEWAY_MODELS} (served model ids,
 * comma-separated, the first the default), the limits
 * {@code GATEWAY_MAX_REQUEST_BYTES}, {@code GATEWAY_MAX_IMAGE_BYTES}, {@code GATEWAY_MAX_IMAGE_PIXELS},
 * {@code GATEWAY_MAX_PROMPT_CHARS}, {@code GATEWAY_MAX_TOKENS}, {@code GATEWAY_DEFAULT_MAX_TOKENS},
 * {@code GATEWAY_DEADLINE_MS}, {@code GATEWAY_MAX_IN_FLIGHT}, and access: {@code GATEWAY_API_KEYS} (comma-separated),
 * {@code GATEWAY_API_KEYS_FILE}, {@code GATEWAY_KEY_MAX_CONCURRENT}, {@code GATEWAY_IMAGE_URL_ALLOWLIST}
 * (comma-separated URL prefixes), {@code GATEWAY_IMAGE_FETCH_TIMEOUT_MS}. Its Quarkus app serves health and metrics
 * on the management port {@code PROBE_PORT}.
 */
public final class GatewayStartup {
    private GatewayStartup() {}

    /** The configuration from the environment; every variable is checked here, before Kafka is touched. */
    public static GatewayConfig config(Env env) {
        GatewayConfig.Limits d = GatewayConfig.Limits.defaults();
        GatewayConfig.Limits limits = new GatewayConfig.Limits(
                env.integer("GATEWAY_MAX_REQUEST_BYTES", Math.min(d.maxRequestBytes(), Topics.MAX_MESSAGE_BYTES)),
                env.integer("GATEWAY_MAX_IMAGE_BYTES", d.maxImageBytes()),
                env.integer("GATEWAY_MAX_IMAGE_PIXELS", (int) d.maxImagePixels()),
                env.integer("GATEWAY_MAX_PROMPT_CHARS", d.maxPromptChars()),
                env.integer("GATEWAY_MAX_TOKENS", d.maxTokens()),
                env.integer("GATEWAY_DEFAULT_MAX_TOKENS", d.defaultMaxTokens()),
                env.millis("GATEWAY_DEADLINE_MS", d.deadline()),
                env.integer("GATEWAY_MAX_IN_FLIGHT", d.maxInFlight()));
        String keysFile = env.string("GATEWAY_API_KEYS_FILE", null);
        GatewayConfig.Access open = GatewayConfig.Access.open();
        GatewayConfig.Access access = new GatewayConfig.Access(
                ApiKeys.load(
                        env.string("GATEWAY_API_KEYS", null),
                        keysFile == null ? null : Path.of(keysFile),
                        env.string("GATEWAY_KEY_LABEL_SECRET", null)),
                env.integer("GATEWAY_KEY_MAX_CONCURRENT", open.maxConcurrentPerKey()),
                list(env.string("GATEWAY_IMAGE_URL_ALLOWLIST", "")),
                Duration.ofMillis(env.integer("GATEWAY_IMAGE_FETCH_TIMEOUT_MS", (int)
                        open.fetchTimeout().toMillis())));
        String id = env.string("GATEWAY_INSTANCE_ID", env.string("HOSTNAME", "gateway-" + UUID.randomUUID()));
        GatewayConfig.Connections c = GatewayConfig.Connections.defaults();
        GatewayConfig.Connections connections = new GatewayConfig.Connections(
                env.integer("GATEWAY_MAX_CONNECTIONS", c.maxConnections()),
                env.integer("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", c.maxPerAddress()),
                env.millis("GATEWAY_IDLE_TIMEOUT_MS", c.idleTimeout()),
                env.millis("GATEWAY_WS_FIRST_MESSAGE_TIMEOUT_MS", c.firstMessageTimeout()),
                list(env.string("GATEWAY_ALLOWED_ORIGINS", "")),
                list(env.string("GATEWAY_ALLOWED_HOSTS", "")));
        return new GatewayConfig(
                env.kafka("gateway"),
                id,
                env.string("GATEWAY_HOST", "127.0.0.1"),
                env.integer("GATEWAY_PORT", 8080),
                ServedModels.parse(env.string("GATEWAY_MODELS", GatewayConfig.DEFAULT_MODEL_ID)),
                limits,
                access,
                connections,
                env.millis("GATEWAY_CAPACITY_POLL_MS", Duration.ofSeconds(1)));
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
