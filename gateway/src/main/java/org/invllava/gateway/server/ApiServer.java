package org.invllava.gateway.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import org.invllava.gateway.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public port of the gateway's Quarkus app ({@code GATEWAY_HOST:GATEWAY_PORT}): the {@link Gateway}'s routes on
 * a Vert.x server created on Quarkus' Vert.x, because the connection policy needs a hook Quarkus' own HTTP server does
 * not offer: a connection is counted against its address' cap and must send its first request's headers in time as
 * soon as it opens, before any request ({@link ConnectionLimit}). Health and metrics stay on Quarkus' management
 * interface ({@code PROBE_PORT}), away from the public port.
 */
final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final GatewayConfig config;
    private final Vertx vertx;
    private final Gateway gateway;
    private HttpServer server;

    ApiServer(GatewayConfig config, Vertx vertx, Gateway gateway) {
        this.config = config;
        this.vertx = vertx;
        this.gateway = gateway;
    }

    /** Listens; returns the bound port. */
    int listen() throws Exception {
        Router router = Router.router(vertx);
        gateway.mount(router);
        GatewayConfig.Connections c = config.connections();
        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setMaxWebSocketMessageSize(config.limits().maxRequestBytes())
                .setIdleTimeout((int) c.idleTimeout().toMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false); // one h2c connection could carry many buffered bodies
        WebSocketFrames.apply(options);
        ConnectionLimit limit = new ConnectionLimit(vertx, c.maxConnections(), c.maxPerAddress());
        server = vertx.createHttpServer(options)
                .connectionHandler(limit)
                .requestHandler(request -> {
                    limit.requestArrived(request.connection());
                    router.handle(request);
                })
                .listen()
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        LOG.info("gateway {} listening on {}:{}", config.instanceId(), config.host(), server.actualPort());
        return server.actualPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
