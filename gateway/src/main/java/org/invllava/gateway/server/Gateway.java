package org.invllava.gateway.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.openai.OpenAiApi;
import org.invllava.gateway.ws.StreamSocket;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway on a router it is given: the WebSocket API ({@code /v1/stream}), the OpenAI-compatible API
 * ({@code /v1/...}) and the chat page at {@code /}; requests go to Kafka through the {@link RequestDispatcher}.
 * Its Quarkus app ({@link GatewayApp}) serves it on the public port ({@link ApiServer}).
 */
final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final RequestDispatcher dispatcher;
    private final ImageInput images;
    private final ChatPage page = new ChatPage();
    /** Readiness on the API port, for the chat page (probes use {@code /q/health/ready} on the management port). */
    public static final String READY_PATH = "/health/ready";

    /**
     * {@code vertx} runs the handlers and deadline timers; {@code tracing} gives each request its span; the meters
     * carry {@code gateway} (its instance id; Prometheus keeps {@code instance} for the scraped target).
     */
    Gateway(GatewayConfig config, Vertx vertx, Metrics metrics, Tracing tracing) {
        this.config = config;
        this.dispatcher = new RequestDispatcher(config, vertx, metrics.tagged("gateway", config.instanceId()), tracing);
        this.images = ImageInput.create(config.limits(), config.access());
    }

    /** Connects to Kafka and starts relaying answers; returns once it follows {@code vlm.tokens}. */
    public void start() throws InterruptedException {
        dispatcher.start();
        LOG.info(
                "gateway {} started (models {}, API keys {})",
                config.instanceId(),
                config.models().ids(),
                config.access().keys().enabled() ? "required" : "not required");
    }

    /** Adds the API and page routes (before anything else under {@code /v1}). */
    public void mount(Router router) {
        router.route("/*").order(-3).handler(new ProtocolGuard());
        router.route("/*")
                .order(-2)
                .handler(new BrowserGuard(
                        config.connections().allowedOrigins(),
                        config.connections().allowedHosts()));
        router.get(StreamSocket.PATH)
                .handler(new StreamSocket(
                        config.limits(),
                        config.models(),
                        config.access().keys(),
                        dispatcher,
                        images,
                        config.connections().firstMessageTimeout()));
        new OpenAiApi(config, dispatcher, images).mount(router);
        router.get(READY_PATH)
                .handler(ctx -> ctx.response()
                        .setStatusCode(ready() ? 200 : 503) // the page's status dot
                        .putHeader("content-type", "application/json")
                        .end("{\"status\":\"" + (ready() ? "UP" : "DOWN") + "\"}"));
        page.mount(router);
    }

    public GatewayConfig config() {
        return config;
    }

    public boolean ready() {
        return dispatcher.ready();
    }

    /**
     * What readiness reports besides up or down: per served model {@code ready} or what it lacks ("text only: ..."
     * where text-only requests are still answered), and whether Kafka answers.
     */
    public java.util.Map<String, String> readinessData() {
        java.util.Map<String, String> data = new java.util.TreeMap<>();
        capacity()
                .forEach((model, s) -> data.put(
                        model, s.ready() ? "ready" : (s.fusion() ? "text only: " : "") + s.missing() + " is running"));
        data.put("kafka", kafkaReachable() ? "reachable" : "unreachable");
        return data;
    }

    /** Whether Kafka answers this gateway (new requests are refused as unavailable while it does not). */
    public boolean kafkaReachable() {
        return dispatcher.brokerReachable();
    }

    /** Per served model, whether it can answer and what it lacks (empty when the gateway does not poll for it). */
    public java.util.Map<String, org.invllava.gateway.ModelCapacity.State> capacity() {
        return dispatcher.capacity();
    }

    @Override
    public void close() {
        dispatcher.close();
        images.close();
    }
}
