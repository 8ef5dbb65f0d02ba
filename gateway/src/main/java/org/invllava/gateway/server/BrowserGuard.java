package org.invllava.gateway.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.openai.OpenAiJson;
import org.invllava.schemas.ErrorCode;

/**
 * What browsers may do with the gateway: a request whose {@code Host} is not one the gateway serves is refused (a
 * page that rebinds its own DNS name to the gateway's address cannot use it), and a request with an {@code Origin}
 * (browsers send one on every WebSocket handshake and cross-site call) is refused unless that origin is the
 * gateway's own or allowed. Requests without {@code Origin} (curl, SDKs, servers) are not affected by the latter.
 */
final class BrowserGuard implements Handler<RoutingContext> {
    private final Set<String> allowedOrigins;
    private final Set<String> allowedHosts;

    /** {@code allowedHosts} empty: any host name (behind an ingress that checks it). */
    BrowserGuard(Iterable<String> allowedOrigins, Iterable<String> allowedHosts) {
        this.allowedOrigins = lower(allowedOrigins);
        this.allowedHosts = lower(allowedHosts);
    }

    private static Set<String> lower(Iterable<String> values) {
        return java.util.stream.StreamSupport.stream(values.spliterator(), false)
                .map(v -> v.trim().toLowerCase(Locale.ROOT))
                .filter(v -> !v.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void handle(RoutingContext ctx) {
        String host = ctx.request().getHeader(HttpHeaders.HOST);
        if (!allowedHosts.isEmpty() && (host == null || !allowedHosts.contains(hostName(host)))) {
            refuse(ctx, "this server does not answer for host " + (host == null ? "(none)" : host));
            return;
        }
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin != null) {
            String o = origin.trim().toLowerCase(Locale.ROOT);
            // the gateway's own page: the origin's host and port are the request's Host (the scheme is not compared:
            // behind an ingress that ends TLS the page is https while the gateway sees http)
            int sep = o.indexOf("://");
            boolean own = host != null
                    && sep > 0
                    && o.substring(sep + 3).equals(host.trim().toLowerCase(Locale.ROOT));
            if (!own && !allowedOrigins.contains(o)) {
                refuse(ctx, "requests from pages of " + origin + " are not allowed (GATEWAY_ALLOWED_ORIGINS)");
                return;
            }
        }
        ctx.next();
    }

    /** The name in a {@code Host} header, without its port ({@code [::1]:8080} gives {@code [::1]}). */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static void refuse(RoutingContext ctx, String message) {
        GatewayError e = new GatewayError(ErrorCode.FORBIDDEN, message);
        ctx.response()
                .setStatusCode(e.httpStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(OpenAiJson.error(e.code(), e.getMessage()).toString());
    }
}
