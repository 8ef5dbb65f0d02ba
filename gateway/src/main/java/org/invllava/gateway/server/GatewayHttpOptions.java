package org.invllava.gateway.server;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/** Quarkus' HTTP server for the gateway app with the WebSocket rules of {@link WebSocketFrames}. */
@ApplicationScoped
public class GatewayHttpOptions implements HttpServerOptionsCustomizer {
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        WebSocketFrames.apply(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        WebSocketFrames.apply(options);
    }
}
