package org.invllava.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayVariables;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the security review, each bounded in size and time on 127.0.0.1, against a gateway with small
 * limits; after each, a normal request is still answered.
 */
class GatewayHardeningIT {
    static final String KEY = "hardening-key";
    static final int PER_ADDRESS = 8;

    @TempDir
    static Path dir;

    static GatewayUnderTest gateway;
    static OpenAiTestClient client;
    /** Serves {@code /img/slow.png}: a valid PNG, one second after the request (within the fetch timeout). */
    static com.sun.net.httpserver.HttpServer images;

    @BeforeAll
    static void start() throws Exception {
        byte[] png = org.invllava.runtime.demo.DemoImages.png(16, 16, 1);
        images = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 16);
        images.createContext("/img/slow.png", ex -> {
            try (OutputStream out = ex.getResponseBody()) {
                Thread.sleep(1000);
                ex.sendResponseHeaders(200, png.length);
                out.write(png);
            } catch (Exception e) {
                // the gateway hung up
            }
        });
        images.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        images.start();
        GatewayConfig.Limits limits =
                new GatewayConfig.Limits(1 << 20, 1 << 19, 1 << 20, 2000, 100, 16, Duration.ofSeconds(2), 8);
        GatewayConfig.Connections connections = new GatewayConfig.Connections(
                32,
                PER_ADDRESS,
                Duration.ofSeconds(3),
                Duration.ofSeconds(1),
                List.of("https://app.example"),
                List.of("127.0.0.1", "localhost"));
        Map<String, String> variables = new HashMap<>(GatewayVariables.of(limits));
        variables.putAll(GatewayVariables.of(connections));
        variables.putAll(GatewayVariables.access(
                List.of(KEY),
                4,
                List.of("http://127.0.0.1:" + images.getAddress().getPort() + "/img/"),
                Duration.ofSeconds(2)));
        gateway = GatewayUnderTest.start(dir, "gw-hard", variables);
        client = new OpenAiTestClient(gateway.port(), KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (images != null) {
            images.stop(0);
        }
    }

    private static void stillAnswers() throws Exception {
        assertEquals(200, client.get("/v1/models").status(), "a normal request is answered");
    }

    /** 20,000 half-sent requests once used up the file descriptors; now one address holds at most its share. */
    @Test
    void connectionsPastTheCapOfAnAddressAreClosedAndIdleOnesTimeOut() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                held.add(RawSockets.halfSentRequest(gateway.port()));
            }
            Socket extra = RawSockets.halfSentRequest(gateway.port());
            held.add(extra);
            assertTrue(RawSockets.closedByServer(extra), "the connection past the cap is closed at once");
            long t0 = System.nanoTime();
            assertTrue(RawSockets.closedByServer(held.get(0)), "a half-sent request is closed after the idle timeout");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(9));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        Thread.sleep(200); // the server sees the closes
        stillAnswers();
    }

    /**
     * Partial headers from five loopback addresses fill every connection the gateway holds (32): a keyed client still
     * gets in, taking the place of the oldest connection that never sent a request (it was closed with no bytes).
     */
    @Test
    void partialHeadersFromManyAddressesDoNotKeepAKeyedClientOut() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int address = 2; address <= 6; address++) {
                for (int i = 0; i < PER_ADDRESS; i++) {
                    Socket s = new Socket();
                    s.bind(new java.net.InetSocketAddress("127.0.0." + address, 0));
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
                    s.getOutputStream()
                            .write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                    held.add(s);
                }
            }
            Thread.sleep(300); // the server has taken them all
            for (int i = 0; i < 3; i++) {
                stillAnswers();
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** A caller without a key is answered 401 from its headers: its (here 10 MB, never sent) body is not awaited. */
    @Test
    void aCallerWithoutAKeyIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 10000000\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = RawSockets.statusLine(s.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 401"), status);
        }
        stillAnswers();
    }

    /**
     * Bodies being sent count against their key's limit from the headers on (300 x 15 MB once took the heap): the key's
     * fifth request is 429 while four are still sending, and the places come back when those clients leave.
     */
    @Test
    void aKeysUnfinishedBodiesHoldItsPlacesUntilTheyEnd() throws Exception {
        List<Socket> sending = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket("127.0.0.1", gateway.port());
                s.getOutputStream()
                        .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                                        + "\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n{\"messages\"")
                                .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                sending.add(s);
            }
            Thread.sleep(300);
            assertEquals(
                    429,
                    client.chatCompletion(OpenAiTestClient.chat("hi", null, 2)).status());
        } finally {
            for (Socket s : sending) {
                s.close();
            }
        }
        Thread.sleep(300);
        assertEquals(
                504,
                client.chatCompletion(OpenAiTestClient.chat("hi", null, 2).put("deadline_ms", 300))
                        .status(),
                "admitted again (and, with no model service here, timed out)");
    }

    /** A client that leaves while its image URL is fetched frees its place at once and nothing is published. */
    @Test
    void aClientThatLeavesDuringAnImageFetchFreesItsPlaceAndPublishesNothing() throws Exception {
        double publishedBefore = published();
        String slowImage = "http://127.0.0.1:" + images.getAddress().getPort() + "/img/slow.png";
        for (int i = 0; i < 4; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode body = OpenAiTestClient.chat("what is it?", null, 2);
            body.putArray("messages")
                    .addObject()
                    .put("role", "user")
                    .putArray("content")
                    .add(OpenAiTestClient.JSON
                            .createObjectNode()
                            .put("type", "text")
                            .put("text", "what is it?"))
                    .add(OpenAiTestClient.JSON
                            .createObjectNode()
                            .put("type", "image_url")
                            .set(
                                    "image_url",
                                    OpenAiTestClient.JSON.createObjectNode().put("url", slowImage)));
            byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket("127.0.0.1", gateway.port())) {
                s.getOutputStream()
                        .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                                        + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(json);
                s.getOutputStream().flush();
                Thread.sleep(200); // fetching now; then the client leaves
            }
        }
        Thread.sleep(300);
        assertEquals(
                504,
                client.chatCompletion(OpenAiTestClient.chat("hi", null, 2).put("deadline_ms", 300))
                        .status(),
                "the four places were freed when their clients left (else 429)");
        Thread.sleep(1500); // the images have come by now: had a fetch gone on, its request would now be published
        assertEquals(publishedBefore + 1, published(), "only the last request was published");
    }

    private static double published() throws Exception {
        String metrics = gateway.metrics();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "(?m)^gateway_requests_total\\{api=\"openai\",gateway=\"gw-hard\"} ([0-9.]+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * With no keys (the default serve), any page a browser opened could drive the API: a WebSocket handshake or a call
     * from a foreign origin is refused, the gateway's own page and allowed origins are not, and a request for a host
     * name the gateway does not answer for (a DNS-rebound page) is refused.
     */
    @Test
    void foreignOriginsAndUnknownHostNamesAreRefused() throws Exception {
        String stream = "ws://127.0.0.1:" + gateway.port() + "/v1/stream";
        java.util.concurrent.CompletionException foreign = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> HttpClient.newHttpClient()
                        .newWebSocketBuilder()
                        .header("Authorization", "Bearer " + KEY)
                        .header("Origin", "http://evil.example")
                        .buildAsync(URI.create(stream), new WebSocket.Listener() {})
                        .join());
        assertEquals(
                403,
                ((java.net.http.WebSocketHandshakeException) foreign.getCause())
                        .getResponse()
                        .statusCode());
        for (String allowed : List.of("https://app.example", "http://127.0.0.1:" + gateway.port())) {
            HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + KEY)
                    .header("Origin", allowed)
                    .buildAsync(URI.create(stream), new WebSocket.Listener() {})
                    .join()
                    .abort();
        }
        var call = HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/models"))
                                .header("Authorization", "Bearer " + KEY)
                                .header("Origin", "http://evil.example")
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, call.statusCode(), call.body());
        assertTrue(call.body().contains("\"forbidden\""), call.body());
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write(("GET /v1/models HTTP/1.1\r\nHost: rebound.evil.example:" + gateway.port()
                                    + "\r\nAuthorization: Bearer " + KEY + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String status = RawSockets.statusLine(s.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 403"), status);
        }
        stillAnswers();
    }

    /**
     * A client that stops reading its stream once left its answer piling up in the server (241 KB for a 1 KB window)
     * while its place was freed. The test plays the fusion LLM on Kafka: it answers the request with 300 chunks of
     * 32 KB; the gateway must cut the stream off and detach the request (the fusion LLM cancels it unless the client resumes
     * within the grace period), rather than buffer 9.6 MB.
     */
    @Test
    void aClientThatStopsReadingItsStreamIsCutOffAndItsRequestDetached() throws Exception {
        var settings = gateway.settings;
        try (var prompts =
                        new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(settings.consumer(null));
                var control =
                        new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(settings.consumer(null));
                var tokens = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(settings.producer());
                Socket client = new Socket()) {
            FusionSide.fromTheEnd(prompts, org.invllava.schemas.Topics.PROMPTS);
            FusionSide.fromTheEnd(control, org.invllava.schemas.Topics.CONTROL);
            client.setReceiveBufferSize(4096);
            client.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
            byte[] body = OpenAiTestClient.chat("talk", null, 50)
                    .put("stream", true)
                    .put("deadline_ms", 1900)
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            client.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().write(body);
            client.getOutputStream().flush(); // and never reads
            var prompt = FusionSide.first(prompts, org.invllava.schemas.PromptRequest.class, p -> true, "prompt");
            String id = prompt.getRequestId();
            var codec = org.invllava.schemas.AvroCodec.of(org.invllava.schemas.TokenChunk.class);
            String text = "w".repeat(32 * 1024);
            for (int i = 0; i < 300; i++) {
                var chunk = org.invllava.schemas.TokenChunk.newBuilder()
                        .setRequestId(id)
                        .setReplyTo(prompt.getReplyTo())
                        .setSequence(i)
                        .setText(text)
                        .setTokenIds(List.of(7))
                        .setFinishReason(null)
                        .setUsage(null)
                        .setError(null)
                        .build();
                tokens.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                        org.invllava.schemas.Topics.TOKENS, id.getBytes(StandardCharsets.UTF_8), codec.encode(chunk)));
            }
            tokens.flush();
            var detach = FusionSide.first( // past the gateway's heartbeats
                    control,
                    org.invllava.schemas.ControlMessage.class,
                    m -> m.getRequestId().equals(id),
                    "control message about " + id);
            assertEquals(id, detach.getRequestId(), "the stalled request was detached (cancelled unless resumed)");
            assertEquals(org.invllava.schemas.ControlAction.DETACH, detach.getAction());
            assertTrue(detach.getReason().contains("not reading"), detach.getReason());
        }
        stillAnswers();
    }

    /** RFC 6455: a frame with an RSV bit no extension defines fails the connection (it was once taken as a request). */
    @Test
    void aWebSocketFrameWithAnRsvBitFailsTheConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                            + "Authorization: Bearer " + KEY + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertTrue(RawSockets.statusLine(in).contains(" 101 "), "the handshake");
            for (int last = 0, c; (c = in.read()) >= 0; ) { // to the end of the response headers
                if (last == '\n' && c == '\r') {
                    in.read();
                    break;
                }
                last = c == '\r' ? last : c;
            }
            byte[] payload = "{}".getBytes(StandardCharsets.US_ASCII);
            byte[] frame = {(byte) 0xC1, (byte) (0x80 | payload.length), 1, 2, 3, 4, 0, 0}; // FIN+RSV1 text, masked
            for (int i = 0; i < payload.length; i++) {
                frame[6 + i] = (byte) (payload[i] ^ frame[2 + i % 4]);
            }
            out.write(frame); // one write: the server may fail the connection as soon as it sees the first byte
            out.flush();
            int first;
            try {
                first = in.read();
            } catch (java.net.SocketException reset) {
                first = -1; // failed without a close frame: also a failed connection
            }
            if (first >= 0) {
                assertEquals(0x88, first, "a close frame, not an answer");
                int length = in.read() & 0x7f;
                assertTrue(length >= 2);
                assertEquals(1002, (in.read() << 8) | in.read(), "protocol error");
            }
        }
        stillAnswers();
    }

    /** Cleartext HTTP/2 is not offered: an h2c upgrade is answered as HTTP/1.1. */
    @Test
    void anH2cUpgradeIsNotTaken() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream()
                    .write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nAuthorization: Bearer "
                                    + KEY + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String status = RawSockets.statusLine(s.getInputStream());
            assertFalse(status.contains(" 101 "), status);
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
        }
    }

    /** 1,000 authenticated WebSockets once stayed open doing nothing; one that sends no request is closed. */
    @Test
    void aWebSocketThatSendsNoRequestIsClosed() throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + KEY)
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/stream"), new WebSocket.Listener() {
                    @Override
                    public CompletableFuture<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }
                })
                .join();
        assertEquals(1008, closed.get(10, TimeUnit.SECONDS), "policy violation after the first-message timeout");
        ws.abort();
        stillAnswers();
    }

    /** The page comes from the classpath with its security headers; a ./webroot beside the process is not served. */
    @Test
    void thePageHasSecurityHeadersAndNoFileOutsideTheClasspathIsServed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        var page = http.send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertEquals(
                ChatPage.CSP,
                page.headers().firstValue("content-security-policy").orElse(""));
        assertTrue(
                page.headers().firstValue("content-security-policy").orElse("").contains("frame-ancestors 'none'"));
        assertEquals(
                "nosniff", page.headers().firstValue("x-content-type-options").orElse(""));
        Path planted = Path.of("webroot", "planted.html");
        boolean made = !Files.exists(planted.getParent());
        Files.createDirectories(planted.getParent());
        Files.writeString(planted, "<script>alert(1)</script>");
        try {
            var r = http.send(
                    java.net.http.HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + gateway.port() + "/planted.html"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertNotEquals(200, r.statusCode(), "a file in the working directory's webroot was served");
        } finally {
            Files.delete(planted);
            if (made) {
                Files.delete(planted.getParent());
            }
        }
    }
}
