package org.invllava.gateway.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.invllava.gateway.GatewayConfig;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Gateway} on a Vert.x HTTP server of its own, for the local stack ({@code serve}) and the tests, where no
 * Quarkus runs: the same routes, plus what Quarkus serves for its app, health ({@code /q/health/live},
 * {@code /q/health/ready}) and Prometheus metrics ({@code /q/metrics}) of the registry it is given.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final Vertx vertx;
    private final Metrics metrics;
    private final Gateway gateway;
    private HttpServer server;

    /**
     * {@code metrics} is the registry served at {@code /q/metrics} (in the local stack, shared by every service);
     * {@code othersReady} adds the readiness of services running in the same process.
     */
    public GatewayServer(GatewayConfig config, Metrics metrics, BooleanSupplier othersReady) {
        this.config = config;
        this.metrics = metrics;
        this.vertx = Vertx.vertx();
        this.gateway = new Gateway(config, vertx, metrics, Tracing.off(), othersReady);
    }

    /** Starts relaying and listening; returns the bound port. */
    public int start() throws Exception {
        gateway.start();
        Router router = Router.router(vertx);
        router.get("/q/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end("{\"status\":\"UP\"}"));
        router.get("/q/health/ready").handler(ctx -> readiness(ctx.response()));
        router.get("/q/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
                .end(metrics.scrape()));
        gateway.mount(router);
        GatewayConfig.Connections c = config.connections();
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setMaxWebSocketMessageSize(config.limits().maxRequestBytes())
                .setIdleTimeout((int) c.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false); // one h2c connection could carry many buffered bodies
        WebSocketFrames.apply(options);
        ConnectionLimit limit = new ConnectionLimit(vertx, c.maxConnections(), c.maxPerAddress());
        server = vertx.createHttpServer(options).connectionHandler(limit).requestHandler(request -> {
                    limit.requestArrived(request.connection());
                    router.handle(request);
                })
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("gateway {} listening on {}:{}", config.instanceId(), config.host(), server.actualPort());
        return server.actualPort();
    }

    /** As the Quarkus app's {@code /q/health/ready}: up or down, with the models' and Kafka's state. */
    private void readiness(io.vertx.core.http.HttpServerResponse response) {
        boolean up = ready();
        var body = new io.vertx.core.json.JsonObject().put("status", up ? "UP" : "DOWN").put("checks",
                new io.vertx.core.json.JsonArray().add(new io.vertx.core.json.JsonObject().put("name", "models")
                        .put("status", up ? "UP" : "DOWN").put("data", new io.vertx.core.json.JsonObject(
                                new java.util.LinkedHashMap<String, Object>(gateway.readinessData())))));
        response.setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
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
        return server != null && gateway.ready();
    }

    @Override
    public void close() {
        gateway.close();
        if (server != null) {
            server.close();
        }
        vertx.close();
    }
}
