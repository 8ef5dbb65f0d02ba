package org.invllava.gateway.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The chat page, from the classpath only (never from a {@code webroot} directory where the gateway happens to run),
 * with headers that keep other sites from framing it or running scripts in it: a Content-Security-Policy allowing only
 * its own scripts, styles and API, no framing, {@code nosniff}, no referrer.
 */
final class ChatPage {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Map<String, String> FILES = Map.of("/", "index.html", "/index.html", "index.html",
            "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of("index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8", "style.css", "text/css; charset=utf-8");

    private final Map<String, Buffer> content;

    ChatPage() {
        this.content = Map.of("index.html", read("index.html"), "app.js", read("app.js"), "style.css", read("style.css"));
    }

    void mount(Router router) {
        FILES.forEach((path, file) -> router.get(path).handler(ctx -> serve(ctx, file)));
    }

    private void serve(RoutingContext ctx, String file) {
        ctx.response().putHeader("content-type", TYPES.get(file))
                .putHeader("content-security-policy", CSP)
                .putHeader("x-content-type-options", "nosniff")
                .putHeader("x-frame-options", "DENY")
                .putHeader("referrer-policy", "no-referrer")
                .putHeader("cache-control", "no-cache")
                .end(content.get(file));
    }

    private static Buffer read(String file) {
        try (InputStream in = ChatPage.class.getResourceAsStream("/webroot/" + file)) {
            if (in == null) {
                throw new IllegalStateException("webroot/" + file + " is missing from the gateway's classpath");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
