package org.invllava.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Health and metrics over HTTP for services without a web server of their own: {@code /q/health/live},
 * {@code /q/health/ready} (200 or 503) and {@code /q/metrics} (Prometheus text), the paths Quarkus uses.
 */
public final class ProbeServer implements AutoCloseable {
    private final HttpServer server;

    private ProbeServer(HttpServer server) {
        this.server = server;
    }

    /** Probes of a service that stays alive while it runs. */
    public static ProbeServer start(String host, int port, BooleanSupplier ready, Metrics metrics) throws IOException {
        return start(host, port, ready, () -> true, metrics);
    }

    /** {@code /q/health/live} answers {@code live}, {@code /q/health/ready} {@code ready}: 200 UP or 503 DOWN. */
    public static ProbeServer start(String host, int port, BooleanSupplier ready, BooleanSupplier live, Metrics metrics)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/q/health/live", ex -> status(ex, live.getAsBoolean()));
        server.createContext("/q/health/ready", ex -> status(ex, ready.getAsBoolean()));
        server.createContext("/q/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4", metrics.scrape()));
        server.start();
        return new ProbeServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange ex, boolean up) throws IOException {
        reply(ex, up ? 200 : 503, "application/json", "{\"status\":\"" + (up ? "UP" : "DOWN") + "\"}");
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
