package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.gateway.openai.OpenAiTestClient.Response;
import org.invllava.gateway.server.GatewayUnderTest;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.schemas.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway alone on a real broker (no model service answers): every refusal the API promises, with its HTTP
 * status and OpenAI error object, and the limits that hold requests in flight (429) or give up on them (504).
 */
class GatewayRefusalsIT {
    static final String KEY_A = "test-key-a";
    static final String KEY_B = "test-key-b";
    static final String KEY_C = "test-key-c";

    @TempDir
    static Path dir;

    static GatewayUnderTest gateway;
    static OpenAiTestClient client;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> variables = new HashMap<>(GatewayVariables.of(
                new GatewayConfig.Limits(64 * 1024, 40_000, 250_000, 200, 100, 16, Duration.ofSeconds(3), 2)));
        variables.putAll(GatewayVariables.access(List.of(KEY_A, KEY_B, KEY_C), 1, List.of(), Duration.ofSeconds(2)));
        gateway = GatewayUnderTest.start(dir, "gw-test", variables);
        client = new OpenAiTestClient(gateway.port(), KEY_A);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    static void assertError(Response r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        assertEquals(code, r.errorCode(), r.body());
        assertFalse(r.json().path("error").path("message").asText().isBlank(), r.body());
        assertTrue(r.json().path("error").has("type") && r.json().path("error").has("param"), r.body());
    }

    static ObjectNode ask(String text) {
        return OpenAiTestClient.chat(text, null, 4);
    }

    @Test
    void withoutAValidKeyEveryApiCallIsRefused() throws Exception {
        assertError(client.withKey(null).chatCompletion(ask("hi")), 401, ErrorCode.INVALID_API_KEY.code());
        assertError(client.withKey("wrong").chatCompletion(ask("hi")), 401, ErrorCode.INVALID_API_KEY.code());
        assertError(client.withKey(null).get("/v1/models"), 401, ErrorCode.INVALID_API_KEY.code());
        assertEquals(
                "authentication_error",
                client.withKey(null)
                        .get("/v1/models")
                        .json()
                        .path("error")
                        .path("type")
                        .asText());
        Response models = client.get("/v1/models");
        assertEquals(200, models.status(), models.body());
        assertEquals(
                GatewayConfig.DEFAULT_MODEL_ID,
                models.json().path("data").path(0).path("id").asText());
        // the WebSocket handshake too; the page and the probes stay open
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                CompletionException.class,
                () -> HttpClient.newHttpClient()
                        .newWebSocketBuilder()
                        .buildAsync(
                                URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/stream"),
                                new WebSocket.Listener() {})
                        .join());
        assertEquals(
                401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
        String stream = "ws://127.0.0.1:" + gateway.port() + "/v1/stream";
        openAndAbort(
                HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + KEY_B), stream);
        // a browser cannot set headers: the key in the query
        openAndAbort(HttpClient.newHttpClient().newWebSocketBuilder(), stream + "?api_key=" + KEY_B);
        assertEquals(200, client.withKey(null).get("/").status());
        assertEquals(200, gateway.app.get("/q/health/live").statusCode());
    }

    /**
     * Opens a socket with {@code builder} and drops it. KEY_B may hold one request at a time: the place of a socket
     * dropped just before is free once the gateway has seen it close, so a 429 is retried for a few seconds.
     */
    private static void openAndAbort(WebSocket.Builder builder, String uri) throws InterruptedException {
        long until = System.currentTimeMillis() + 5_000;
        while (true) {
            try {
                builder.buildAsync(URI.create(uri), new WebSocket.Listener() {})
                        .join()
                        .abort();
                return;
            } catch (CompletionException e) {
                boolean busy = e.getCause() instanceof WebSocketHandshakeException h
                        && h.getResponse().statusCode() == 429;
                if (!busy || System.currentTimeMillis() > until) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void badRequestsAre400() throws Exception {
        assertError(
                client.post("/v1/chat/completions", "{\"messages\": [unterminated"),
                400,
                ErrorCode.INVALID_REQUEST.code());
        assertError(
                client.post("/v1/chat/completions", "{\"model\": \"inverse-llava\"}"),
                400,
                ErrorCode.INVALID_REQUEST.code());
        assertError(
                client.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}"),
                400,
                ErrorCode.INVALID_REQUEST.code());
        assertError(
                client.post(
                        "/v1/chat/completions",
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"},"
                                + " {\"role\": \"assistant\", \"content\": \"b\"}]}"),
                400,
                ErrorCode.INVALID_REQUEST.code());
        assertError(client.chatCompletion(ask("hi").put("max_tokens", 0)), 400, ErrorCode.INVALID_REQUEST.code());
        assertError(client.chatCompletion(ask("hi").put("max_tokens", 101)), 400, ErrorCode.INVALID_REQUEST.code());
        assertError(client.chatCompletion(ask("hi").put("temperature", "warm")), 400, ErrorCode.INVALID_REQUEST.code());
        // exact types, no coercion; each output field's bounds, named in the message
        assertRefused(client.chatCompletion(ask("hi").put("n", 9)), "n must be an integer from 1 to 8");
        assertRefused(client.chatCompletion(ask("hi").put("n", 1.9)), "n must be");
        assertRefused(client.chatCompletion(ask("hi").put("n", true)), "n must be");
        assertRefused(client.chatCompletion(ask("hi").put("logprobs", "yes")), "logprobs must be true or false");
        assertRefused(
                client.chatCompletion(ask("hi").put("response_format", "json")), "response_format must be an object");
        assertRefused(client.chatCompletion(ask("hi").put("top_logprobs", 2)), "top_logprobs needs logprobs: true");
        assertRefused(
                client.chatCompletion(ask("hi").put("logprobs", true).put("top_logprobs", 21)),
                "top_logprobs must be an integer from 0 to 20");
        assertRefused(client.chatCompletion(ask("hi").put("logprobs", true).put("top_logprobs", -1)), "top_logprobs");
        ObjectNode bias = ask("hi");
        bias.putObject("logit_bias").put("50256", -100);
        assertError(client.chatCompletion(bias), 400, ErrorCode.INVALID_REQUEST.code());
        assertError(client.chatCompletion(ask("what is <image> here")), 400, ErrorCode.INVALID_REQUEST.code());
        assertError(client.chatCompletion(ask("x".repeat(201))), 400, ErrorCode.PROMPT_TOO_LONG.code());

        ObjectNode twoImages = OpenAiTestClient.chat("compare", DemoImages.png(32, 32, 1), 4);
        ((com.fasterxml.jackson.databind.node.ArrayNode)
                        twoImages.path("messages").path(0).path("content"))
                .addObject()
                .put("type", "image_url")
                .putObject("image_url")
                .put("url", OpenAiTestClient.dataUrl(DemoImages.png(32, 32, 2)));
        assertError(client.chatCompletion(twoImages), 400, ErrorCode.INVALID_REQUEST.code());

        assertError(
                client.chatCompletion(withImageUrl("http://127.0.0.1:9/cat.png")), 400, ErrorCode.INVALID_IMAGE.code());
        assertError(
                client.chatCompletion(withImageUrl("data:image/gif;base64,R0lGODlhAQABAAAAACw=")),
                400,
                ErrorCode.INVALID_IMAGE.code());
        assertError(
                client.chatCompletion(withImageUrl(OpenAiTestClient.dataUrl("not an image".getBytes()))),
                400,
                ErrorCode.INVALID_IMAGE.code());
        assertError(client.chatCompletion(ask("hi").put("model", "gpt-4o")), 404, ErrorCode.MODEL_NOT_FOUND.code());
        assertError(client.get("/v1/completions"), 404, ErrorCode.NOT_FOUND.code());
        assertError(client.get("/v1/models/gpt-4o"), 404, ErrorCode.MODEL_NOT_FOUND.code());
        assertEquals(
                GatewayConfig.DEFAULT_MODEL_ID,
                client.get("/v1/models/" + GatewayConfig.DEFAULT_MODEL_ID)
                        .json()
                        .path("id")
                        .asText());
    }

    static void assertRefused(Response r, String message) {
        assertError(r, 400, ErrorCode.INVALID_REQUEST.code());
        assertTrue(r.json().path("error").path("message").asText().contains(message), r.body());
    }

    static ObjectNode schema(String json) throws Exception {
        ObjectNode body = ask("hi");
        body.putObject("response_format")
                .put("type", "json_schema")
                .putObject("json_schema")
                .put("name", "s")
                .set("schema", OpenAiTestClient.JSON.readTree(json));
        return body;
    }

    @Test
    void schemasTheDecoderCannotEnforceAre400NamingTheKeyword() throws Exception {
        assertRefused(client.chatCompletion(schema("{\"type\":\"string\",\"pattern\":\"^a+$\"}")), "'pattern'");
        assertRefused(client.chatCompletion(schema("{\"anyOf\":[{\"type\":\"string\"}]}")), "'anyOf'");
        assertRefused(client.chatCompletion(schema("{\"type\":\"integer\",\"minimum\":3}")), "'minimum'");
        assertRefused(client.chatCompletion(schema("{\"$ref\":\"#/$defs/a\"}")), "'$ref'");
        String deep = "{\"type\":\"array\",\"items\":".repeat(9) + "{\"type\":\"null\"}" + "}".repeat(9);
        assertRefused(client.chatCompletion(schema(deep)), "deeper than 8");
        StringBuilder wide = new StringBuilder("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < 600; i++) {
            wide.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"null\"}");
        }
        assertRefused(client.chatCompletion(schema(wide.append("}}").toString())), "more than 512 nodes");
        ObjectNode unknown = ask("hi");
        unknown.putObject("response_format").put("type", "grammar");
        assertRefused(client.chatCompletion(unknown), "'grammar' is not supported");
    }

    @Test
    void completionsAndResponsesRefuseWhatTheyCannotHonour() throws Exception {
        String completions = "/v1/completions";
        assertRefused(client.post(completions, "{\"prompt\":\"a\",\"max_tokens\":0}"), "max_tokens 0 needs echo");
        assertRefused(
                client.post(completions, "{\"prompt\":\"a\",\"echo\":true,\"max_tokens\":-3}"),
                "max_tokens must be between 0 and 100");
        assertRefused(client.post(completions, "{\"prompt\":\"a\",\"suffix\":\"b\"}"), "suffix");
        assertRefused(
                client.post(completions, "{\"prompt\":\"a\",\"logprobs\":6}"),
                "logprobs must be an integer from 0 to 5");
        assertRefused(
                client.post(completions, "{\"prompt\":[" + "\"a\",".repeat(16) + "\"b\"]}"), "at most 16 prompts");
        assertRefused(client.post(completions, "{\"prompt\":[\"a\",\"b\",\"c\"],\"n\":6}"), "prompts times n");
        assertRefused(client.post(completions, "{\"prompt\":[1,-2]}"), "non-negative");
        assertRefused(client.post(completions, "{\"prompt\":\"\"}"), "must not be empty");
        assertRefused(client.post(completions, "{\"prompt\":\"a\",\"best_of\":3}"), "best_of");
        String responses = "/v1/responses";
        assertRefused(client.post(responses, "{\"input\":\"a\",\"store\":true}"), "store: true");
        assertRefused(
                client.post(responses, "{\"input\":\"a\",\"previous_response_id\":\"resp_x\"}"),
                "previous_response_id");
        assertRefused(
                client.post(
                        responses,
                        "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
                                + "\"file_id\":\"file-1\"}]}]}"),
                "file_id is not supported");
        assertRefused(
                client.post(responses, "{\"input\":\"a\",\"include\":[\"reasoning.encrypted_content\"]}"),
                "not supported");
        assertRefused(
                client.post(
                        responses,
                        "{\"input\":\"a\",\"text\":{\"format\":{\"type\":\"json_schema\","
                                + "\"schema\":{\"type\":\"string\",\"format\":\"email\"}}}}"),
                "'format'");
        assertRefused(client.post(responses, "{\"input\":\"a\",\"background\":true}"), "background");
        assertRefused(client.post(responses, "{}"), "input is required");
        assertError(client.get("/v1/responses/resp_not-an-answer"), 404, ErrorCode.NOT_FOUND.code());
    }

    /**
     * RFC 9112 §6.3: a transfer coding other than chunked is 400 and the connection closed (with a Content-Length it
     * was framed by the length and the rest read as a second request); every response says nosniff.
     */
    @Test
    void anUnknownTransferCodingIs400AndClosesAndResponsesAreNotSniffed() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            String smuggled = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            s.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY_A
                                    + "\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}" + smuggled)
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(all.startsWith("HTTP/1.1 400"), all);
            assertEquals(
                    1, all.split("HTTP/1.1 ", -1).length - 1, "one response, the connection closed: [" + all + "]");
        }
        java.net.http.HttpResponse<String> models = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/models"))
                                .header("Authorization", "Bearer " + KEY_A)
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(
                "nosniff", models.headers().firstValue("x-content-type-options").orElse(""));
    }

    /** A form body once got a 500 naming a Netty exception class; errors never carry Java exception text. */
    @Test
    void formBodiesGetAPlainErrorWithoutExceptionText() throws Exception {
        for (OpenAiTestClient c : List.of(client, client.withKey(null))) {
            java.net.http.HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .header("Authorization", c == client ? "Bearer " + KEY_A : "Bearer nope")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                            "messages=" + "x".repeat(20_000)))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() == 400 || r.statusCode() == 401, r.statusCode() + " " + r.body());
            assertFalse(
                    r.body().contains("Exception")
                            || r.body().contains("io.netty")
                            || r.body().contains("java."),
                    r.body());
        }
    }

    static ObjectNode withImageUrl(String url) {
        ObjectNode r = OpenAiTestClient.chat("what is it?", DemoImages.png(8, 8, 3), 4);
        ((ObjectNode) r.path("messages").path(0).path("content").path(1).path("image_url")).put("url", url);
        return r;
    }

    @Test
    void oversizedPayloadsAre413() throws Exception {
        assertError(client.chatCompletion(ask("y".repeat(70_000))), 413, ErrorCode.REQUEST_TOO_LARGE.code());
        assertError(
                client.chatCompletion(OpenAiTestClient.chat("big", DemoImages.png(120, 120, 4), 4)),
                413,
                ErrorCode.IMAGE_TOO_LARGE.code());
        byte[] bomb = solidPng(2000, 2000); // 4 megapixels in a few kilobytes: refused from its header
        assertTrue(bomb.length < 40_000, "test image should be small in bytes: " + bomb.length);
        assertError(
                client.chatCompletion(OpenAiTestClient.chat("bomb", bomb, 4)), 413, ErrorCode.IMAGE_TOO_LARGE.code());
    }

    static byte[] solidPng(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    /**
     * A gateway that asks the broker which models have running services: with no vision encoder or fusion LLM in their
     * groups, a request is 503 at once (it once waited out its whole deadline); once both groups have a member it is
     * taken; when they leave, 503 again. Its readiness probe follows: down without services, up with them.
     */
    @Test
    void aModelWithoutRunningServicesIs503AtOnce() throws Exception {
        Map<String, String> variables = new HashMap<>(GatewayVariables.of(
                new GatewayConfig.Limits(64 * 1024, 40_000, 250_000, 200, 100, 16, Duration.ofSeconds(3), 8)));
        variables.put("GATEWAY_CAPACITY_POLL_MS", "200");
        try (GatewayUnderTest capacityAware =
                GatewayUnderTest.on(gateway.settings.bootstrapServers(), dir, "gw-cap", variables)) {
            assertFalse(capacityAware.ready(), "not ready while no model has its services");
            OpenAiTestClient c = new OpenAiTestClient(capacityAware.port(), null);
            Response none = c.chatCompletion(withImage("anyone?").put("deadline_ms", 2500));
            assertError(none, 503, ErrorCode.NOT_READY.code());
            assertTrue(
                    none.json().path("error").path("message").asText().contains("no vision encoder and no fusion LLM"),
                    none.body());
            List<org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>> members = new java.util.ArrayList<>();
            try {
                members.add(member("fusion-llm", org.invllava.schemas.Topics.WORK));
                assertError(
                        awaitNot503(c, ask("text only")),
                        504,
                        ErrorCode.DEADLINE_EXCEEDED.code()); // taken: needs no encoder
                Response noEncoder = c.chatCompletion(withImage("and this?"));
                assertError(noEncoder, 503, ErrorCode.NOT_READY.code());
                assertTrue(
                        noEncoder.json().path("error").path("message").asText().contains("no vision encoder"),
                        noEncoder.body());
                members.add(member("vision-encoder", org.invllava.schemas.Topics.IMAGES));
                Response taken = awaitNot503(c, withImage("ready?"));
                assertError(taken, 504, ErrorCode.DEADLINE_EXCEEDED.code()); // taken; nothing answers in this test
                assertTrue(capacityAware.ready(), "ready once a model has both services");
            } finally {
                members.forEach(org.apache.kafka.clients.consumer.KafkaConsumer::close); // leave the groups
            }
            long until = System.currentTimeMillis() + 15_000;
            Response again;
            do {
                again = c.chatCompletion(withImage("and now?").put("deadline_ms", 300));
            } while (again.status() != 503 && System.currentTimeMillis() < until);
            assertError(again, 503, ErrorCode.NOT_READY.code());
        }
    }

    /** A consumer in {@code group} on {@code topic}, polled until it is a member. */
    private static org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> member(String group, String topic) {
        var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
                KafkaSettings.of(gateway.settings.bootstrapServers(), group + "-test")
                        .consumer(group));
        consumer.subscribe(List.of(topic));
        long until = System.currentTimeMillis() + 15_000;
        while (consumer.assignment().isEmpty() && System.currentTimeMillis() < until) {
            consumer.poll(java.time.Duration.ofMillis(100));
        }
        return consumer;
    }

    private static Response awaitNot503(OpenAiTestClient c, ObjectNode body) throws Exception {
        long until = System.currentTimeMillis() + 15_000;
        Response r;
        do {
            r = c.chatCompletion(body.deepCopy().put("deadline_ms", 300));
        } while (r.status() == 503 && System.currentTimeMillis() < until);
        return r;
    }

    private static ObjectNode withImage(String question) {
        return OpenAiTestClient.chat(question, DemoImages.png(16, 16, 5), 4);
    }

    /** Nothing answers here, so an accepted request stays in flight until its deadline (then 504). */
    @Test
    void limitsOnRequestsInFlightAre429AndTheDeadlineIs504() throws Exception {
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> call(client, ask("wait").put("deadline_ms", 1500)));
        Thread.sleep(300);
        assertError(client.chatCompletion(ask("second")), 429, ErrorCode.RATE_LIMITED.code()); // per-key limit 1
        var other = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(
                client.withKey(KEY_B), ask("other key").put("deadline_ms", 1500).put("stream", true)));
        Thread.sleep(300);
        Response full = client.withKey(KEY_C).chatCompletion(ask("third key"));
        assertError(full, 429, ErrorCode.RATE_LIMITED.code()); // the gateway's limit of 2 in flight
        assertTrue(full.json().path("error").path("message").asText().contains("gateway"), full.body());
        assertError(pending.get(10, TimeUnit.SECONDS), 504, ErrorCode.DEADLINE_EXCEEDED.code());
        assertError(
                other.get(10, TimeUnit.SECONDS), 504, ErrorCode.DEADLINE_EXCEEDED.code()); // streamed, before any token
        assertNotNull(pending.get().requestId());
        // the slots are free again: the next request is accepted (and times out in turn)
        assertError(
                client.chatCompletion(ask("again").put("deadline_ms", 200)), 504, ErrorCode.DEADLINE_EXCEEDED.code());
    }

    static Response call(OpenAiTestClient c, ObjectNode body) {
        try {
            return c.chatCompletion(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
