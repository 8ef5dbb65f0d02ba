package org.invllava.gateway.server;

import io.vertx.core.http.HttpServerOptions;

/**
 * The WebSocket frames the gateway accepts: no compression extensions, so a frame with any RSV bit set fails the
 * connection (RFC 6455 §5.2: no extension was negotiated that defines them), as does a frame over 1 MiB. A socket the
 * gateway closes is dropped {@link #CLOSING_TIMEOUT_S} s later if the client does not answer the close (it was 10 s:
 * time for a client that ignores it to go on sending).
 */
final class WebSocketFrames {
    static final int MAX_FRAME_BYTES = 1 << 20;
    static final int CLOSING_TIMEOUT_S = 2;

    private WebSocketFrames() {}

    static HttpServerOptions apply(HttpServerOptions options) {
        return options.setPerFrameWebSocketCompressionSupported(false)
                .setPerMessageWebSocketCompressionSupported(false)
                .setMaxWebSocketFrameSize(MAX_FRAME_BYTES)
                .setWebSocketClosingTimeout(CLOSING_TIMEOUT_S);
    }
}
