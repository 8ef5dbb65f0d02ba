package org.invllava.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.invllava.gateway.openai.OpenAiApi;
import org.invllava.gateway.ws.StreamSocket;
import org.invllava.observability.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: the WebSocket API ({@code /v1/stream}), the OpenAI-compatible API ({@code /v1/...}),
 * the chat page at {@code /}, health probes ({@code /q/health/live}, {@code /q/health/ready}) and Prometheus
 * metrics ({@code /q/metrics}). Requests go to Kafka through the {@link RequestDispatcher}.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final Vertx vertx;
    private final Metrics metrics;
    private final RequestDispatcher dispatcher;
    private final ImageInput images;
    private HttpServer server;

    /**
     * {@code metrics} is the registry served at {@code /q/metrics} (in the local stack, shared by every service);
     * {@code othersReady} adds the readiness of services running in the same process.
     */
    public GatewayServer(GatewayConfig config, Metrics metrics, BooleanSupplier othersReady) {
        this.config = config;
        this.metrics = metrics;
        this.vertx = Vertx.vertx();
        this.dispatcher = new RequestDispatcher(config, vertx, metrics, othersReady);
        this.images = ImageInput.create(config.limits(), config.access());
    }

    /** Starts relaying and listening; returns the bound port. */
    public int start() throws Exception {
        dispatcher.start();
        Router router = Router.router(vertx);
        router.get("/q/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end("{\"status\":\"UP\"}"));
        router.get("/q/health/ready").handler(ctx -> ctx.response().setStatusCode(ready() ? 200 : 503)
                .putHeader("content-type", "application/json").end("{\"status\":\"" + (ready() ? "UP" : "DOWN") + "\"}"));
        router.get("/q/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
                .end(metrics.scrape()));
        new OpenAiApi(config, dispatcher, images).mount(router);
        router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setMaxWebSocketMessageSize(config.limits().maxRequestBytes()).setMaxWebSocketFrameSize(1 << 20);
        server = vertx.createHttpServer(options)
                .webSocketHandler(new StreamSocket(config.limits(), config.models(), config.access().keys(), dispatcher,
                        images))
                .requestHandler(router)
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("gateway {} listening on {}:{} (models {}, API keys {})", config.instanceId(), config.host(),
                server.actualPort(), config.models().ids(), config.access().keys().enabled() ? "required" : "not required");
        return server.actualPort();
    }

    /** The registry served at {@code /q/metrics}. */
    public Metrics metrics() {
        return metrics;
    }

    /** The bound port (after {@link #start}). */
    public int port() {
        return server.actualPort();
    }

    public boolean ready() {
        return server != null && dispatcher.ready();
    }

    @Override
    public void close() {
        dispatcher.close();
        images.close();
        if (server != null) {
            server.close();
        }
        vertx.close();
    }
}
