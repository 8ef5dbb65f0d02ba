package org.invllava.gateway.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The chat page, from the classpath only (never from a {@code webroot} directory where the gateway happens to run),
 * with headers that keep other sites from framing it or running scripts in it: a Content-Security-Policy allowing only
 * its own scripts, styles and API, no framing, {@code nosniff}, no referrer.
 */
final class ChatPage {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    /** The sample pictures the page offers: scenes of the synthetic world the demo model was trained on. */
    static final List<String> SAMPLES =
            List.of("samples/sample-1.png", "samples/sample-2.png", "samples/sample-3.png", "samples/sample-4.png");

    private static final Map<String, String> FILES = files();
    private static final Map<String, String> TYPES = Map.of(
            ".html",
            "text/html; charset=utf-8",
            ".js",
            "text/javascript; charset=utf-8",
            ".css",
            "text/css; charset=utf-8",
            ".png",
            "image/png");

    private final Map<String, Buffer> content = new HashMap<>();

    ChatPage() {
        FILES.values().forEach(file -> content.computeIfAbsent(file, ChatPage::read));
    }

    private static Map<String, String> files() {
        Map<String, String> files = new HashMap<>(
                Map.of("/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css"));
        SAMPLES.forEach(s -> files.put("/" + s, s));
        return Map.copyOf(files);
    }

    void mount(Router router) {
        FILES.forEach((path, file) -> router.get(path).handler(ctx -> serve(ctx, file)));
    }

    private void serve(RoutingContext ctx, String file) {
        ctx.response()
                .putHeader("content-type", TYPES.get(file.substring(file.lastIndexOf('.'))))
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
