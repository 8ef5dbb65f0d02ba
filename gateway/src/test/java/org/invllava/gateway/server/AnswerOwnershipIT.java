package org.invllava.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.invllava.gateway.GatewayVariables;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer belongs to the key that asked for it (issue "Security round 2"): another key that knows the id (it is in
 * headers, chunk ids, logs) gets 404 on SSE and WebSocket, cannot cancel it, and the owner's stream goes on; the
 * owner's newest resume gets the rest while an older connection ends at once with {@code resumed_elsewhere}.
 */
class AnswerOwnershipIT {
    static final String OWNER = "owner-key";
    static final String OTHER = "other-key";

    @TempDir
    static Path dir;

    static GatewayUnderTest gateway;
    static KafkaSettings settings;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayUnderTest.start(
                dir, "gw-owned", GatewayVariables.access(List.of(OWNER, OTHER), 16, List.of(), Duration.ofSeconds(2)));
        settings = gateway.settings;
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void anotherKeyCannotResumeOrCancelAnAnswerAndItsOwnerGetsAllOfIt() throws Exception {
        OpenAiTestClient owner = new OpenAiTestClient(gateway.port(), OWNER);
        OpenAiTestClient other = owner.withKey(OTHER);
        try (FusionSide fusion = new FusionSide(settings);
                KafkaConsumer<byte[], byte[]> control = controlFromTheEnd()) {
            GatewayFaultsIT.Started s = GatewayFaultsIT.startStream(owner, fusion, "mine");
            fusion.answer(s.id(), 0, 2, null);

            OpenAiTestClient.Streamed sse = other.resume(s.id(), "0");
            assertEquals(404, sse.status(), sse.events().toString());
            assertEquals(
                    ErrorCode.NOT_FOUND.code(),
                    sse.events().get(0).path("error").path("code").asText());
            JsonNode ws = resumeAndCancelOverWebSocket(OTHER, s.id());
            assertEquals(ErrorCode.NOT_FOUND.code(), ws.path("code").asText(), ws.toString());

            fusion.answer(s.id(), 2, 4, FinishReason.STOP);
            OpenAiTestClient.Streamed mine = s.stream().get(30, TimeUnit.SECONDS);
            assertTrue(mine.done(), mine.events().toString());
            assertEquals(4, mine.contentEvents(), "the owner's stream lost nothing");
            assertEquals(List.of(), messagesAbout(control, s.id()), "the other key sent nothing about the answer");
        }
    }

    @Test
    void theOwnersNewestResumeGetsTheRestAndAnOlderOneEndsAtOnce() throws Exception {
        OpenAiTestClient owner = new OpenAiTestClient(gateway.port(), OWNER);
        try (FusionSide fusion = new FusionSide(settings)) {
            GatewayFaultsIT.Started s = GatewayFaultsIT.startStream(owner, fusion, "twice");
            fusion.answer(s.id(), 0, 1, null);
            CompletableFuture<OpenAiTestClient.Streamed> older = CompletableFuture.supplyAsync(() -> {
                try {
                    return owner.resume(s.id(), "0");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(3_000); // past the owner look-up of the first resume
            CompletableFuture<OpenAiTestClient.Streamed> newer = CompletableFuture.supplyAsync(() -> {
                try {
                    return owner.resume(s.id(), "0");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            OpenAiTestClient.Streamed first = older.get(30, TimeUnit.SECONDS); // ended by the newer one, not a deadline
            JsonNode last = first.events().get(first.events().size() - 1);
            assertEquals(
                    ErrorCode.RESUMED_ELSEWHERE.code(),
                    last.path("error").path("code").asText(),
                    first.events().toString());
            Thread.sleep(3_000);
            fusion.answer(s.id(), 1, 3, FinishReason.LENGTH);
            OpenAiTestClient.Streamed second = newer.get(30, TimeUnit.SECONDS);
            assertTrue(second.done(), second.events().toString());
            assertEquals(2, second.contentEvents(), "tokens 1 and 2");
        }
    }

    /** Resumes {@code id} over WebSocket with {@code key} and sends a cancel; returns the first error message. */
    private static JsonNode resumeAndCancelOverWebSocket(String key, String id) throws Exception {
        CompletableFuture<JsonNode> error = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + key)
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/stream"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        try {
                            JsonNode m = OpenAiTestClient.JSON.readTree(data.toString());
                            if ("error".equals(m.path("type").asText())) {
                                error.complete(m);
                            }
                        } catch (Exception e) {
                            error.completeExceptionally(e);
                        }
                        socket.request(1);
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        ws.sendText("{\"type\":\"resume\",\"id\":\"" + id + "\",\"after\":0}", true)
                .get();
        ws.sendText("{\"type\":\"cancel\"}", true).get();
        try {
            return error.get(30, TimeUnit.SECONDS);
        } finally {
            ws.abort();
        }
    }

    private static KafkaConsumer<byte[], byte[]> controlFromTheEnd() {
        return FusionSide.fromTheEnd(new KafkaConsumer<>(settings.consumer(null)), Topics.CONTROL);
    }

    /** The control messages about {@code id} sent since the consumer started (reads for 2 s). */
    private static List<ControlAction> messagesAbout(KafkaConsumer<byte[], byte[]> control, String id) {
        AvroCodec<ControlMessage> codec = AvroCodec.of(ControlMessage.class);
        List<ControlAction> seen = new java.util.ArrayList<>();
        long until = System.currentTimeMillis() + 2_000;
        while (System.currentTimeMillis() < until) {
            for (var r : control.poll(Duration.ofMillis(100))) {
                ControlMessage m = codec.decode(r.value());
                if (m.getRequestId().equals(id)) {
                    seen.add(m.getAction());
                }
            }
        }
        return seen;
    }
}
