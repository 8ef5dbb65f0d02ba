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
import org.invllava.schemas.ErrorCode;
import org.junit.jupiter.api.Test;

/** Image URLs: the allow-list compares plain URLs only, and a fetch is bounded in time whatever the server does. */
class ImageInputTest {
    private static ImageInput images(String allowed, Duration timeout) {
        return ImageInput.create(
                TestConfigs.gateway().limits(), new GatewayConfig.Access(ApiKeys.none(), 4, List.of(allowed), timeout));
    }

    @Test
    void theAllowListRefusesDotSegmentsEncodedSeparatorsAndUserInfo() {
        try (ImageInput in = images("http://img.example/img/", Duration.ofSeconds(1))) {
            assertTrue(in.allowed(URI.create("http://img.example/img/cat.png")));
            for (String escape : List.of(
                    "http://img.example/img/../secret",
                    "http://img.example/img/%2e%2e/secret",
                    "http://img.example/img/%2E%2E/secret",
                    "http://img.example/img/..%2fsecret",
                    "http://img.example/img/.%2e/secret",
                    "http://img.example/img/./cat.png",
                    "http://img.example/img/%5c..%5csecret",
                    "http://user@img.example/img/cat.png",
                    "http://img.example/img/cat.png#x",
                    "http://img.example.evil/img/cat.png",
                    "ftp://img.example/img/cat.png",
                    // encoded again, path parameters, NUL, a full-width dot (U+FF0E): each was let through
                    "http://img.example/img/%252e%252e/secret",
                    "http://img.example/img/%25252e%25252e/secret",
                    "http://img.example/img/..;/secret",
                    "http://img.example/img/cat.png;x",
                    "http://img.example/img/%00cat.png",
                    "http://img.example/img/%ef%bc%8e%ef%bc%8e/secret")) {
                assertFalse(in.allowed(URI.create(escape)), escape);
            }
            assertFalse(in.allowed(URI.create("http://img.example/img/%EF%BC%8E")), "full-width dot, encoded");
            assertTrue(in.allowed(URI.create("http://img.example/img/my%20cat.png")), "an encoded space is fine");
        }
    }

    /**
     * Only PNG and JPEG signatures reach a decoder (BMP, GIF, TIFF and WBMP were parsed first, their errors leaking JDK
     * text); an unreadable PNG gets a neutral message; a data URL's type must match its bytes.
     */
    @Test
    void onlyPngAndJpegSignaturesAreDecodedAndErrorsSayNothingOfTheDecoder() throws Exception {
        try (ImageInput in = images("http://img.example/img/", Duration.ofSeconds(1))) {
            for (byte[] other : List.of(
                    "BM6\0\0\0".getBytes(),
                    "GIF89a\1\0\1\0".getBytes(),
                    new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0},
                    new byte[] {0, 0, 1, 1, 0})) {
                GatewayError e = refused(() -> in.check(other));
                assertEquals("unsupported image format: send PNG or JPEG", e.getMessage());
            }
            byte[] brokenPng = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
            assertEquals(
                    "the image cannot be read: not a valid PNG or JPEG file",
                    refused(() -> in.check(brokenPng)).getMessage());
            byte[] png = org.invllava.runtime.demo.DemoImages.png(8, 8, 1);
            String base64 = java.util.Base64.getEncoder().encodeToString(png);
            assertEquals(png.length, in.fromBase64("data:image/png;base64," + base64).length);
            assertEquals(
                    "the data URL says image/jpeg but the bytes are PNG",
                    refused(() -> in.fromBase64("data:image/jpeg;base64," + base64))
                            .getMessage());
        }
    }

    /** 24 fetches asked at once: at most {@link ImageInput#MAX_FETCHES} reach the image server together. */
    @Test
    void noMoreFetchesRunAtOnceThanTheDocumentedCap() throws Exception {
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        byte[] png = org.invllava.runtime.demo.DemoImages.png(8, 8, 1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/img/", ex -> {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            try (OutputStream out = ex.getResponseBody()) {
                Thread.sleep(200);
                ex.sendResponseHeaders(200, png.length);
                out.write(png);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                now.decrementAndGet();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/img/";
        try (ImageInput in = images(base, Duration.ofSeconds(20))) {
            List<java.util.concurrent.CompletableFuture<byte[]>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 24; i++) {
                all.add(in.fetch(URI.create(base + "cat" + i + ".png")));
            }
            for (var f : all) {
                assertEquals(png.length, f.get(60, TimeUnit.SECONDS).length);
            }
            assertTrue(most.get() <= ImageInput.MAX_FETCHES, most.get() + " fetches at once");
        } finally {
            server.stop(0);
        }
    }

    private interface Call {
        void run() throws GatewayError;
    }

    private static GatewayError refused(Call call) {
        try {
            call.run();
            throw new AssertionError("accepted");
        } catch (GatewayError e) {
            assertEquals(ErrorCode.INVALID_IMAGE.code(), e.code());
            return e;
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
                assertEquals(ErrorCode.INVALID_IMAGE.code(), e.code());
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
