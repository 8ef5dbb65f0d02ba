package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.invllava.schemas.ErrorCodes;
import org.junit.jupiter.api.Test;

/** Image URLs: the allow-list compares plain URLs only, and a fetch is bounded in time whatever the server does. */
class ImageInputTest {
    private static ImageInput images(String allowed, Duration timeout) {
        return ImageInput.create(GatewayConfig.Limits.defaults(),
                new GatewayConfig.Access(ApiKeys.none(), 4, List.of(allowed), timeout));
    }

    @Test
    void theAllowListRefusesDotSegmentsEncodedSeparatorsAndUserInfo() {
        try (ImageInput in = images("http://img.example/img/", Duration.ofSeconds(1))) {
            assertTrue(in.allowed(URI.create("http://img.example/img/cat.png")));
            for (String escape : List.of("http://img.example/img/../secret", "http://img.example/img/%2e%2e/secret",
                    "http://img.example/img/%2E%2E/secret", "http://img.example/img/..%2fsecret",
                    "http://img.example/img/.%2e/secret", "http://img.example/img/./cat.png",
                    "http://img.example/img/%5c..%5csecret", "http://user@img.example/img/cat.png",
                    "http://img.example/img/cat.png#x", "http://img.example.evil/img/cat.png",
                    "ftp://img.example/img/cat.png")) {
                assertFalse(in.allowed(URI.create(escape)), escape);
            }
        }
    }

    /** A server that sends its headers, then one byte every 300 ms: the fetch still ends at its timeout. */
    @Test
    void aTrickledBodyOrAnErrorStatusEndsTheFetchWithAMessageThatTellsNothingAboutTheServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/img/slow.png", ex -> {
            ex.sendResponseHeaders(200, 1_000_000);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 100; i++) {
                    out.write(0x89);
                    out.flush();
                    Thread.sleep(300);
                }
            } catch (Exception e) {
                // the gateway hung up: what the test wants
            }
        });
        server.createContext("/img/missing.png", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/img/";
        try (ImageInput in = images(base, Duration.ofMillis(800))) {
            for (String path : List.of("slow.png", "missing.png")) {
                long t0 = System.nanoTime();
                GatewayError e = failure(in, URI.create(base + path));
                assertEquals(ErrorCodes.INVALID_IMAGE, e.code());
                assertEquals("the image URL could not be fetched", e.getMessage(), "no status, no exception class");
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), path + " was not bounded");
            }
        } finally {
            server.stop(0);
        }
    }

    private static GatewayError failure(ImageInput in, URI url) throws InterruptedException {
        try {
            in.fetch(url).get(30, TimeUnit.SECONDS);
            throw new AssertionError(url + " was fetched");
        } catch (ExecutionException | CompletionException e) {
            return (GatewayError) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(url + ": the fetch did not end on its own", e);
        }
    }
}
