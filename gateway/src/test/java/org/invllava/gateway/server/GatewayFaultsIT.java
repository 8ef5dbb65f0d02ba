package org.invllava.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayVariables;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.RequestIds;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client sees when things go wrong around the gateway (issue "Faults, round 2"), against a real broker, with
 * this test writing the chunks a fusion LLM would: an answer cancelled by someone else ends as an error, never as a
 * finished answer; resuming at or past the end, or an id that never existed, answers at once (the deadline is the
 * default two minutes, so a wait for it fails the test); the SSE and WebSocket APIs read a resume alike; while the
 * broker is down the gateway answers its pages and probes and refuses new requests as unavailable at once.
 */
class GatewayFaultsIT {
    static final String KEY = "faults-key";

    @TempDir
    static Path dir;

    static KraftBroker broker;
    static GatewayUnderTest gateway;
    static OpenAiTestClient client;
    static KafkaSettings kafka;

    @BeforeAll
    static void start() throws Exception {
        broker = KraftBroker.start(dir.resolve("kafka"), "127.0.0.1", 0, Topics.MAX_MESSAGE_BYTES);
        TopicSetup.ensureDefaults(broker.bootstrapServers(), (short) 1);
        kafka = KafkaSettings.of(broker.bootstrapServers(), "faults");
        gateway = GatewayUnderTest.on(broker.bootstrapServers(), dir, "gw-faults", access());
        client = new OpenAiTestClient(gateway.port(), KEY);
    }

    static Map<String, String> access() {
        return GatewayVariables.access(List.of(KEY), 16, List.of(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Starts a streamed request of {@code client} and returns its id (read off the broker) with the client's stream. */
    static Started startStream(OpenAiTestClient client, FusionSide fusion, String question) {
        CompletableFuture<OpenAiTestClient.Streamed> stream = CompletableFuture.supplyAsync(() -> {
            try {
                return client.stream(OpenAiTestClient.chat(question, null, 50), events -> true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return new Started(fusion.next(question).getRequestId(), stream);
    }

    record Started(String id, CompletableFuture<OpenAiTestClient.Streamed> stream) {}

    @Test
    void anAnswerCancelledByAnyoneButItsClientEndsAsARetryableErrorNeverAsStop() throws Exception {
        try (FusionSide fusion = new FusionSide(kafka)) {
            Started s = startStream(client, fusion, "cancelled elsewhere");
            fusion.answer(s.id(), 0, 3, FinishReason.CANCELLED);
            OpenAiTestClient.Streamed got = s.stream().get();
            assertFalse(got.done(), "no [DONE] after an answer cut short");
            for (JsonNode e : got.events()) {
                assertFalse(
                        "stop"
                                .equals(e.path("choices")
                                        .path(0)
                                        .path("finish_reason")
                                        .asText()),
                        got.events().toString());
            }
            JsonNode last = got.events().get(got.events().size() - 1);
            assertEquals(
                    ErrorCode.UNAVAILABLE.code(),
                    last.path("error").path("code").asText(),
                    got.events().toString());
            assertEquals("server_error", last.path("error").path("type").asText());
            assertEquals(3, got.contentEvents());
        }
    }

    /** At or past the end, whatever the index, and with or without the OpenAI prefix: the final event at once. */
    @Test
    void resumingAtOrPastTheEndGetsTheFinalEventAtOnce() throws Exception {
        try (FusionSide fusion = new FusionSide(kafka)) {
            Started s = startStream(client, fusion, "resumed past the end");
            fusion.answer(s.id(), 0, 3, FinishReason.LENGTH);
            assertTrue(s.stream().get().done());
            for (String last : List.of("2", "3", "400", "2147483647")) {
                for (String id : List.of(s.id(), "chatcmpl-" + s.id())) {
                    OpenAiTestClient.Streamed r = client.resume(id, last);
                    assertEquals(200, r.status(), last + ": " + r.events());
                    assertTrue(r.done(), last + ": " + r.events());
                    assertEquals(0, r.contentEvents(), last);
                }
            }
            OpenAiTestClient.Streamed rest = client.resume(s.id(), "0");
            assertEquals(2, rest.contentEvents(), "after token 0: tokens 1 and 2");
            assertTrue(rest.done());
        }
    }

    @Test
    void resumeIndicesAreReadAlikeAndAnIdThatNeverExistedIsNotFoundAtOnce() throws Exception {
        for (String bad : List.of("-2", "2147483648", "x")) {
            assertEquals(400, client.resume(RequestIds.next(), bad).status(), bad);
        }
        OpenAiTestClient.Streamed unknown = client.resume(RequestIds.next(), null);
        assertEquals(404, unknown.status(), unknown.events().toString());
        assertEquals(
                ErrorCode.NOT_FOUND.code(),
                unknown.events().get(0).path("error").path("code").asText());
        assertEquals(
                404,
                client.get("/v1/chat/completions/" + RequestIds.next() + "/stream?model=no-such-model")
                        .status());
    }

    /**
     * With the broker down the event loop stays free: the model list and readiness answer (readiness: 503), a new
     * request is refused as unavailable at once; once the broker is back, requests are taken again.
     */
    @Test
    void whileTheBrokerIsDownTheGatewayAnswersAndRefusesNewRequestsAtOnce() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int port = broker.port();
        broker.close();
        try {
            // each call must come back well within this (it took 13-14 s when a heartbeat blocked the event loop)
            Duration bound = Duration.ofSeconds(3);
            long until = System.currentTimeMillis() + 20_000; // the relay's probe: 3 questions unanswered, 3-6 s
            while (call(http, "/q/health/ready", bound).statusCode() != 503) {
                assertTrue(System.currentTimeMillis() < until, "still ready 20 s after the broker stopped");
                Thread.sleep(200);
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(200, call(http, "/v1/models", bound).statusCode());
                HttpResponse<String> ready = call(http, "/q/health/ready", bound);
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().replaceAll("\\s", "").contains("\"kafka\":\"unreachable\""), ready.body());
                Thread.sleep(500);
            }
            HttpResponse<String> refused = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                            .timeout(bound)
                            .header("authorization", "Bearer " + KEY)
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    OpenAiTestClient.chat("hi", null, 4).toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains(ErrorCode.UNAVAILABLE.code()), refused.body());
            assertFalse(
                    refused.body().contains("Exception") || refused.body().contains("org.apache"), // Kafka's text
                    refused.body());
        } finally {
            broker = KraftBroker.start(dir.resolve("kafka"), "127.0.0.1", port, Topics.MAX_MESSAGE_BYTES);
        }
        long back = System.currentTimeMillis() + 30_000;
        int status = 0;
        while (status != 200 && System.currentTimeMillis() < back) {
            Thread.sleep(200);
            status = call(http, "/q/health/ready", Duration.ofSeconds(10)).statusCode();
        }
        assertEquals(200, status, "ready again once the broker is back");
    }

    /**
     * A stream whose model loses its last fusion LLM (the group's only member leaves) ends as unavailable, to be
     * resumed, instead of hearing nothing until its two-minute deadline.
     */
    @Test
    void aStreamWhoseLastFusionLlmLeftEndsAsUnavailableInsteadOfWaitingForItsDeadline() throws Exception {
        Map<String, String> watchingVariables = new HashMap<>(access());
        watchingVariables.put("GATEWAY_CAPACITY_POLL_MS", "200");
        try (GatewayUnderTest watching =
                        GatewayUnderTest.on(broker.bootstrapServers(), dir, "gw-watching", watchingVariables);
                KafkaConsumer<byte[], byte[]> vision = new KafkaConsumer<>(
                        kafka.consumer(org.invllava.schemas.ModelTopics.of(GatewayConfig.DEFAULT_MODEL_ID)
                                .visionGroup()));
                KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(
                        kafka.consumer(org.invllava.schemas.ModelTopics.of(GatewayConfig.DEFAULT_MODEL_ID)
                                .workGroup()));
                FusionSide fusion = new FusionSide(kafka)) {
            vision.subscribe(List.of(Topics.IMAGES)); // a vision encoder and a fusion LLM, as the broker sees them
            member.subscribe(List.of(Topics.WORK));
            long until = System.currentTimeMillis() + 30_000;
            OpenAiTestClient c = new OpenAiTestClient(watching.port(), KEY);
            while (!watching.ready()) {
                vision.poll(Duration.ofMillis(50));
                member.poll(Duration.ofMillis(50));
                assertTrue(System.currentTimeMillis() < until, "the gateway never saw the services' group members");
            }
            CompletableFuture<OpenAiTestClient.Streamed> stream = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.stream(OpenAiTestClient.chat("talk", null, 50), events -> true);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String id = fusion.next("talk").getRequestId();
            fusion.answer(id, 0, 2, null);
            member.close(); // the last fusion LLM leaves
            OpenAiTestClient.Streamed got = stream.get(60, java.util.concurrent.TimeUnit.SECONDS);
            JsonNode last = got.events().get(got.events().size() - 1);
            assertEquals(
                    ErrorCode.UNAVAILABLE.code(),
                    last.path("error").path("code").asText(),
                    got.events().toString());
            assertEquals(2, got.contentEvents());
        }
    }

    private static HttpResponse<String> call(HttpClient http, String path, Duration timeout) throws Exception {
        int port = path.startsWith("/q/") ? gateway.app.probePort() : gateway.port(); // health: the management port
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout)
                .header("authorization", "Bearer " + KEY);
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
