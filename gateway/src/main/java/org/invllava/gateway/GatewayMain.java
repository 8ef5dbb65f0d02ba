package org.invllava.gateway;

import java.util.UUID;
import org.invllava.kafka.Env;
import org.invllava.kafka.Lifecycle;
import org.invllava.kafka.RunningService;
import org.invllava.observability.Metrics;
import org.invllava.schemas.Topics;

/**
 * The gateway as its own process. Environment: {@code KAFKA_BOOTSTRAP_SERVERS}, and optionally
 * {@code GATEWAY_HOST} (0.0.0.0), {@code GATEWAY_PORT} (8080), {@code GATEWAY_INSTANCE_ID} (default: the
 * pod's {@code HOSTNAME}), {@code GATEWAY_MAX_IMAGE_BYTES}, {@code GATEWAY_MAX_PROMPT_CHARS},
 * {@code GATEWAY_MAX_TOKENS}, {@code GATEWAY_DEFAULT_MAX_TOKENS}, {@code GATEWAY_DEADLINE_MS}. Health and
 * metrics are served on the gateway port.
 */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        Lifecycle.runUntilShutdown(start(Env.system()));
    }

    /** For hosts (Quarkus) that manage the process: the started gateway as a {@link RunningService}. */
    public static RunningService start(Env env, boolean unusedProbes) throws Exception {
        GatewayServer server = start(env);
        return RunningService.of(server::ready, server.metrics(), server::close);
    }

    public static GatewayServer start(Env env) throws Exception {
        GatewayConfig d = GatewayConfig.defaults(env.kafka("gateway"), "", 8080);
        String id = env.string("GATEWAY_INSTANCE_ID", env.string("HOSTNAME", "gateway-" + UUID.randomUUID()));
        GatewayConfig config = new GatewayConfig(d.kafka(), id, env.string("GATEWAY_HOST", "0.0.0.0"),
                env.integer("GATEWAY_PORT", 8080), Topics.MAX_MESSAGE_BYTES,
                env.integer("GATEWAY_MAX_IMAGE_BYTES", d.maxImageBytes()),
                env.integer("GATEWAY_MAX_PROMPT_CHARS", d.maxPromptChars()),
                env.integer("GATEWAY_MAX_TOKENS", d.maxTokensLimit()),
                env.integer("GATEWAY_DEFAULT_MAX_TOKENS", d.defaultMaxTokens()),
                env.millis("GATEWAY_DEADLINE_MS", d.deadline()));
        GatewayServer server = new GatewayServer(config, new Metrics(), () -> true);
        server.start();
        return server;
    }
}
