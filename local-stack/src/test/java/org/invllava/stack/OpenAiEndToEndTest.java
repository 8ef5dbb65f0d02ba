package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.invllava.gateway.GatewayVariables;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.tokenizer.ChatTemplate.Turn;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible API over the whole stack (embedded broker, demo model): answers equal the model called
 * directly, streamed or not, for one turn and several; allow-listed image URLs are fetched; a client that
 * disconnects stops its generation through vlm.control.
 */
class OpenAiEndToEndTest {
    @TempDir
    static Path dir;

    static HttpServer images;
    static LocalStack stack;
    static OpenAiTestClient client;
    static final byte[] IMAGE = StackFixture.png(120, 80, 11);

    @BeforeAll
    static void start() throws Exception {
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/allowed/cat.png", x -> {
            x.sendResponseHeaders(200, IMAGE.length);
            x.getResponseBody().write(IMAGE);
            x.close();
        });
        images.start();
        String allowed = "http://127.0.0.1:" + images.getAddress().getPort() + "/allowed/";
        stack = StackFixture.start(
                dir, List.of(), 1, GatewayVariables.access(List.of(), 4, List.of(allowed), Duration.ofSeconds(5)));
        client = new OpenAiTestClient(stack.gatewayPorts().get(0), null);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (images != null) {
            images.stop(0);
        }
    }

    static GenerationResult direct(String question, byte[] image, int maxTokens) {
        return StackFixture.direct(
                stack.model(), stack.model().chat().question(question, image != null), image, maxTokens);
    }

    @Test
    void aCompletionIsTheModelsAnswer() throws Exception {
        GenerationResult expected = direct("What is in the image?", IMAGE, 12);
        OpenAiTestClient.Response r = client.chatCompletion(OpenAiTestClient.chat("What is in the image?", IMAGE, 12));
        assertEquals(200, r.status(), r.body());
        JsonNode c = r.json();
        assertEquals("chat.completion", c.path("object").asText());
        assertEquals("chatcmpl-" + r.requestId(), c.path("id").asText());
        assertEquals("inverse-llava", c.path("model").asText());
        assertEquals(
                "assistant",
                c.path("choices").path(0).path("message").path("role").asText());
        assertEquals(
                expected.text(),
                c.path("choices").path(0).path("message").path("content").asText());
        assertEquals("length", c.path("choices").path(0).path("finish_reason").asText());
        assertEquals(
                expected.expandedPromptLength(),
                c.path("usage").path("prompt_tokens").asInt());
        assertEquals(12, c.path("usage").path("completion_tokens").asInt());
        assertEquals(
                expected.expandedPromptLength() + 12,
                c.path("usage").path("total_tokens").asInt());
    }

    @Test
    void aStreamedCompletionHasTheChunkFormatTheClientsParse() throws Exception {
        GenerationResult expected = direct("Describe it.", IMAGE, 9);
        ObjectNode body = OpenAiTestClient.chat("Describe it.", IMAGE, 9);
        body.putObject("stream_options").put("include_usage", true);
        OpenAiTestClient.Streamed s = client.stream(body, events -> true);
        assertEquals(200, s.status());
        assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
        assertTrue(s.done(), "the stream ends with data: [DONE]");
        List<JsonNode> e = s.events();
        for (JsonNode chunk : e) {
            assertEquals("chat.completion.chunk", chunk.path("object").asText(), chunk.toString());
            assertEquals("chatcmpl-" + s.requestId(), chunk.path("id").asText());
            assertTrue(chunk.has("usage"), "with include_usage every chunk has a usage field: " + chunk);
        }
        assertEquals(
                "assistant",
                e.get(0).path("choices").path(0).path("delta").path("role").asText());
        assertEquals(9, s.contentEvents(), "one event per token");
        assertEquals(
                java.util.stream.LongStream.range(0, 9).boxed().toList(),
                s.eventIds(),
                "each token's event carries its chunk sequence as id:");
        assertEquals(expected.text(), s.text());
        JsonNode last = e.get(e.size() - 2);
        assertEquals(
                "length", last.path("choices").path(0).path("finish_reason").asText(), last.toString());
        JsonNode usage = e.get(e.size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertEquals(9, usage.path("usage").path("completion_tokens").asInt());
        assertTrue(e.subList(0, e.size() - 1).stream()
                .allMatch(x -> x.path("usage").isNull()));
    }

    @Test
    void aConversationIsRenderedTurnByTurnWithItsSystemText() throws Exception {
        ObjectNode body = OpenAiTestClient.chat("What is it?", IMAGE, 8);
        ArrayNode messages = (ArrayNode) body.get("messages");
        messages.insertObject(0).put("role", "system").put("content", "Answer in one word.");
        messages.addObject().put("role", "assistant").put("content", "A cat.");
        messages.addObject().put("role", "user").put("content", "What colour is it?");
        int[] prompt = stack.model()
                .chat()
                .conversation(
                        "Answer in one word.",
                        List.of(
                                new Turn(ChatTemplate.Role.USER, "What is it?", true),
                                Turn.assistant("A cat."),
                                Turn.user("What colour is it?")));
        GenerationResult expected = StackFixture.direct(stack.model(), prompt, IMAGE, 8);
        OpenAiTestClient.Response r = client.chatCompletion(body);
        assertEquals(200, r.status(), r.body());
        assertEquals(
                expected.text(),
                r.json().path("choices").path(0).path("message").path("content").asText());
        assertEquals(
                expected.expandedPromptLength(),
                r.json().path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void anAllowListedImageUrlIsFetched() throws Exception {
        ObjectNode body = OpenAiTestClient.chat("What is in the image?", IMAGE, 6);
        ObjectNode url = (ObjectNode)
                body.path("messages").path(0).path("content").path(1).path("image_url");
        url.put("url", "http://127.0.0.1:" + images.getAddress().getPort() + "/allowed/cat.png");
        OpenAiTestClient.Response r = client.chatCompletion(body);
        assertEquals(200, r.status(), r.body());
        assertEquals(
                direct("What is in the image?", IMAGE, 6).text(),
                r.json().path("choices").path(0).path("message").path("content").asText());
        url.put("url", "http://127.0.0.1:" + images.getAddress().getPort() + "/private/cat.png");
        OpenAiTestClient.Response refused = client.chatCompletion(body);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(
                refused.errorCode().equals("invalid_image") && refused.body().contains("allow-list"), refused.body());
    }

    /**
     * The client reads three tokens and disconnects. The answer is not cancelled (the client may resume it): the gateway
     * tells the fusion LLMs it was detached, beside its heartbeats, and the answer goes on (the fusion LLM's
     * FusionLlmServiceTest covers the cancel once the grace period passes). The answer is short enough to end well within
     * the stack's grace period on a loaded machine (200 tokens once took more than 3 s on CI).
     */
    @Test
    void aStreamWhoseClientLeftIsDetachedNotCancelled() throws Exception {
        int max = 60;
        OpenAiTestClient.Streamed s = client.stream(
                OpenAiTestClient.chat("Tell me a long story.", null, max),
                events -> events.size() < 4); // the role chunk and three tokens, then the connection closes
        assertEquals(3, s.contentEvents());
        List<TokenChunk> chunks = chunksOf(s.requestId());
        TokenChunk end = chunks.get(chunks.size() - 1);
        assertEquals(FinishReason.LENGTH, end.getFinishReason(), "went on after the disconnect: " + end);
        List<ControlMessage> control = controlMessages(
                m -> m.getAction() == ControlAction.DETACH && m.getRequestId().equals(s.requestId()));
        assertEquals(1, control.size(), "one DETACH for the request");
        assertFalse(
                controlMessages(m -> m.getAction() == ControlAction.HEARTBEAT
                                && m.getGateway().equals(control.get(0).getGateway()))
                        .isEmpty(),
                "the gateway sends heartbeats");
    }

    /** The messages on vlm.control that {@code which} selects (read from the start, up to the end now). */
    static List<ControlMessage> controlMessages(java.util.function.Predicate<ControlMessage> which) {
        AvroCodec<ControlMessage> codec = AvroCodec.of(ControlMessage.class);
        List<ControlMessage> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                KafkaSettings.of(stack.bootstrapServers(), "control-reader").consumer(null))) {
            List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(Topics.CONTROL).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(Topics.CONTROL, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ControlMessage m = codec.decode(r.value());
                    if (which.test(m)) {
                        out.add(m);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A stream broken after five tokens is picked up with {@code Last-Event-ID}: the rest arrives once each, and the
     * two parts are the whole answer.
     */
    @Test
    void aBrokenStreamIsResumedWithLastEventIdExactlyOnce() throws Exception {
        int max = 40;
        OpenAiTestClient.Streamed first = client.stream(
                OpenAiTestClient.chat("What is in the image?", IMAGE, max),
                events -> events.size() < 6); // the role chunk and five tokens
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), first.eventIds());
        OpenAiTestClient.Streamed rest = client.resume(first.requestId(), "4");
        assertEquals(200, rest.status(), rest.events().toString());
        assertTrue(rest.done(), "the resumed stream ends with [DONE]");
        List<Long> expectedIds = new ArrayList<>();
        for (long i = 5; i < 5 + rest.eventIds().size(); i++) {
            expectedIds.add(i);
        }
        assertEquals(expectedIds, rest.eventIds(), "each remaining token once, in order");
        assertEquals(direct("What is in the image?", IMAGE, max).text(), (first.text() + rest.text()).strip());
        OpenAiTestClient.Streamed again = client.resume(first.requestId(), null);
        assertEquals(
                direct("What is in the image?", IMAGE, max).text(), again.text().strip(), "from the start");
        assertEquals(
                404, client.resume(java.util.UUID.randomUUID().toString(), null).status(), "not an id we make");
        assertEquals(400, client.resume(first.requestId(), "x").status());
    }

    /** The request's chunks on vlm.tokens, in order, up to its final chunk. */
    static List<TokenChunk> chunksOf(String requestId) {
        assertNotNull(requestId);
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        List<TokenChunk> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                KafkaSettings.of(stack.bootstrapServers(), "chunk-reader").consumer("chunks-" + System.nanoTime()))) {
            c.subscribe(List.of(Topics.TOKENS));
            long until = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < until
                    && (out.isEmpty() || out.get(out.size() - 1).getFinishReason() == null)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (requestId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        out.add(codec.decode(r.value()));
                    }
                }
            }
        }
        assertFalse(out.isEmpty(), "no chunk of " + requestId + " on " + Topics.TOKENS);
        return out;
    }

    static double metric(String series) throws Exception {
        String text = client.get("/q/metrics").body();
        Matcher m =
                Pattern.compile("(?m)^" + series + "(\\{[^}]*\\})? ([0-9.]+)").matcher(text);
        return m.find() ? Double.parseDouble(m.group(2)) : 0;
    }
}
