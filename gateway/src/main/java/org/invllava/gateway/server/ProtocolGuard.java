package org.invllava.gateway.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.invllava.gateway.openai.OpenAiJson;
import org.invllava.schemas.ErrorCode;

/**
 * First on every route: every response says {@code X-Content-Type-Options: nosniff}, and a request whose framing the
 * gateway would have to guess is refused with 400 and its connection closed (RFC 9112 §6.3): a
 * {@code Transfer-Encoding} other than {@code chunked} alone (with a {@code Content-Length} it was framed by the length,
 * and whatever followed read as a second request).
 */
final class ProtocolGuard implements Handler<RoutingContext> {
    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("X-Content-Type-Options", "nosniff");
        String coding = ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING);
        if (coding != null && !coding.strip().equalsIgnoreCase("chunked")) {
            ctx.request().pause();
            io.vertx.core.http.HttpConnection connection = ctx.request().connection();
            ctx.response()
                    .setStatusCode(400)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(OpenAiJson.error(
                                    ErrorCode.INVALID_REQUEST.code(), "unsupported Transfer-Encoding: only chunked")
                            .toString());
            connection.close(); // at once: what followed the body (a request read from the same bytes) is never served
            return;
        }
        ctx.next();
    }
}
