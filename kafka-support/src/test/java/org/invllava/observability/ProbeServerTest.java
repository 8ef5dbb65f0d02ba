package org.invllava.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The probes of services without a web server: liveness and readiness answer their own suppliers. */
class ProbeServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(ProbeServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void livenessAndReadinessAreEachTheirOwnAnswer() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        AtomicBoolean live = new AtomicBoolean(true);
        Metrics metrics = new Metrics();
        metrics.counter("probe_test_total", "a counter", "").inc();
        ProbeServer server = ProbeServer.start("127.0.0.1", 0, ready::get, live::get, metrics);
        try {
            assertEquals(503, get(server, "/q/health/ready").statusCode(), "starting: not ready");
            assertEquals(200, get(server, "/q/health/live").statusCode(), "starting: alive");
            ready.set(true);
            assertEquals(200, get(server, "/q/health/ready").statusCode());
            live.set(false); // broken for good: the orchestrator restarts it
            ready.set(false);
            HttpResponse<String> dead = get(server, "/q/health/live");
            assertEquals(503, dead.statusCode());
            assertEquals("{\"status\":\"DOWN\"}", dead.body());
            assertTrue(get(server, "/q/metrics").body().contains("probe_test_total 1"), "metrics still served");
        } finally {
            server.close();
        }
    }
}
