package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.host.AppProcess;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack (embedded broker, three services, two gateways) with the bundled demo model, driven by a real
 * WebSocket client: answers equal the model's own, each gateway gets its clients' answers, bad input gets the
 * intended error while the stack keeps serving, and an external client (kcat) reads vlm.tokens.
 */
class EndToEndTest {
    @TempDir
    static Path dir;

    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = StackFixture.start(dir, List.of(), 2); // the demo shape with random weights: answers run to max_tokens
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static void assertStreamed(StreamClient.Answer a, int[] expected) {
        assertArrayEquals(expected, a.tokenIds());
        List<JsonNode> tokens = a.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            assertEquals(i, tokens.get(i).get("index").asInt(), "token messages in order, each once");
        }
        JsonNode done = a.last();
        assertEquals("done", done.get("type").asText(), done.toString());
        assertEquals(expected.length, done.get("usage").get("completion_tokens").asInt());
        assertEquals(1000, a.closeCode());
    }

    @Test
    void answersEqualTheModelCalledDirectly() throws Exception {
        byte[] image = StackFixture.png(130, 90, 1);
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("What is in the image?", image, 10).toString());
        assertStreamed(a, StackFixture.direct(stack.model(), "What is in the image?", image, 10));
        assertEquals("length", a.last().get("finish_reason").asText());
        StreamClient.Answer text = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("Hello", null, 5).toString());
        assertStreamed(text, StackFixture.direct(stack.model(), "Hello", null, 5));
    }

    @Test
    void eachGatewayReceivesItsOwnClientsAnswers() throws Exception {
        byte[] a = StackFixture.png(112, 112, 2);
        byte[] b = StackFixture.png(112, 112, 3);
        CompletableFuture<StreamClient.Answer> first = CompletableFuture.supplyAsync(() -> ask(0, a));
        CompletableFuture<StreamClient.Answer> second = CompletableFuture.supplyAsync(() -> ask(1, b));
        assertStreamed(first.get(), StackFixture.direct(stack.model(), "describe", a, 8));
        assertStreamed(second.get(), StackFixture.direct(stack.model(), "describe", b, 8));
    }

    private static StreamClient.Answer ask(int gateway, byte[] image) {
        try {
            return StreamClient.ask(
                    stack.gatewayPorts().get(gateway),
                    StreamClient.request("describe", image, 8).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badInputGetsTheIntendedErrorAndTheStackKeepsServing() throws Exception {
        int port = stack.gatewayPorts().get(0);
        assertError(
                StreamClient.ask(
                        port,
                        StreamClient.request("what?", "not an image".getBytes(), 5)
                                .toString()),
                ErrorCode.INVALID_IMAGE.code());
        assertError(
                StreamClient.ask(
                        port,
                        StreamClient.request("what?", StackFixture.png(400, 400, 4), 5)
                                .toString()),
                ErrorCode.IMAGE_TOO_LARGE.code());
        assertError(
                StreamClient.ask(port, StreamClient.request("   ", null, 5).toString()),
                ErrorCode.INVALID_REQUEST.code());
        assertError(
                StreamClient.ask(
                        port,
                        StreamClient.request("word ".repeat(1500), null, 5).toString()),
                ErrorCode.PROMPT_TOO_LONG.code());
        assertError(StreamClient.ask(port, "{\"prompt\": \"unterminated"), ErrorCode.INVALID_REQUEST.code());
        assertError(
                StreamClient.ask(port, "{\"prompt\": \"hi\", \"max_tokens\": 100000}"),
                ErrorCode.INVALID_REQUEST.code());

        KafkaSettings kafka = KafkaSettings.of(stack.bootstrapServers(), "poisoner");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producer())) {
            for (String topic : List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES)) {
                p.send(new ProducerRecord<>(topic, "poison".getBytes(), "not avro".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        List<String> sources = new ArrayList<>();
        AvroCodec<DeadLetter> codec = AvroCodec.of(DeadLetter.class);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumer("dlq-reader"))) {
            c.subscribe(List.of(Topics.DEAD_LETTER));
            long until = System.currentTimeMillis() + 60_000;
            while (sources.size() < 3 && System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    sources.add(codec.decode(r.value()).getSourceTopic());
                }
            }
        }
        assertTrue(sources.containsAll(List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES)), sources.toString());

        byte[] image = StackFixture.png(100, 100, 5);
        assertStreamed(
                StreamClient.ask(
                        port, StreamClient.request("still there?", image, 4).toString()),
                StackFixture.direct(stack.model(), "still there?", image, 4));
    }

    private static void assertError(StreamClient.Answer a, String code) {
        JsonNode last = a.last();
        assertEquals("error", last.get("type").asText(), last.toString());
        assertEquals(code, last.get("code").asText(), last.toString());
        assertFalse(last.get("message").asText().isBlank());
    }

    @Test
    void healthAndMetricsCoverEveryService() throws Exception {
        int port = stack.gatewayPorts().get(0);
        StreamClient.ask(
                port,
                StreamClient.request("count", StackFixture.png(112, 112, 9), 3).toString());
        StringBuilder scraped = new StringBuilder(); // each service's app has its own management port
        for (AppProcess service : stack.processes()) {
            var ready = service.get("/q/health/ready");
            assertEquals(200, ready.statusCode(), service.name() + ": " + ready.body());
            var live = service.get("/q/health/live");
            assertEquals(200, live.statusCode(), service.name() + ": " + live.body());
            scraped.append(service.get("/q/metrics").body());
        }
        String metrics = scraped.toString();
        for (String series : List.of(
                "vision_encode_seconds_count",
                "vision_batch_size_count",
                "fusion_queue_seconds_count",
                "fusion_time_to_first_token_seconds_count",
                "fusion_inter_token_latency_seconds_count",
                "gateway_time_to_first_token_seconds_count",
                "gateway_inter_token_latency_seconds_count")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + series + "(\\{[^}]*\\})? (\\d+)")
                    .matcher(metrics);
            assertTrue(m.find() && Long.parseLong(m.group(2)) > 0, series + " missing or zero in:\n" + metrics);
        }
        assertTrue(metrics.contains("fusion_generated_tokens_total"), metrics);
    }

    @Test
    void traceContextTravelsWithTheRequestThroughEveryTopic() throws Exception {
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("trace me", StackFixture.png(64, 64, 7), 3).toString());
        assertEquals("done", a.last().get("type").asText());
        java.util.Map<String, java.util.Set<String>> traces = new java.util.HashMap<>();
        AvroCodec<org.invllava.schemas.PromptRequest> prompts = AvroCodec.of(org.invllava.schemas.PromptRequest.class);
        String requestId = null;
        KafkaSettings kafka = KafkaSettings.of(stack.bootstrapServers(), "trace-reader");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumer("trace-" + System.nanoTime()))) {
            c.subscribe(List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES, Topics.WORK, Topics.TOKENS));
            long idle = System.currentTimeMillis();
            List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
            while (System.currentTimeMillis() - idle < 3000) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    idle = System.currentTimeMillis();
                    all.add(r);
                    if (r.topic().equals(Topics.PROMPTS)
                            && r.value() != null
                            && r.value().length > 2
                            && r.value()[0] == (byte) 0xC3) {
                        try {
                            if (prompts.decode(r.value()).getQuestion().equals("trace me")) {
                                requestId = new String(r.key(), StandardCharsets.UTF_8);
                            }
                        } catch (RuntimeException ignored) {
                            // poison records of other tests
                        }
                    }
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : all) {
                if (requestId != null
                        && requestId.equals(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))) {
                    traces.computeIfAbsent(r.topic(), t -> new java.util.HashSet<>())
                            .add(new String(
                                    r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8));
                }
            }
        }
        assertTrue(requestId != null, "prompt not found");
        assertEquals(
                java.util.Set.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES, Topics.WORK, Topics.TOKENS),
                traces.keySet());
        java.util.Set<String> traceIds = new java.util.HashSet<>(); // one trace; each hop its own span (its parent)
        for (java.util.Set<String> hop : traces.values()) {
            assertEquals(1, hop.size(), "one traceparent per topic: " + traces);
            String parent = hop.iterator().next();
            assertTrue(parent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), traces.toString());
            traceIds.add(parent.substring(3, 35));
        }
        assertEquals(1, traceIds.size(), "every topic carries the request's trace: " + traces);
    }

    @Test
    void aCancelledRequestStopsGeneratingAndEndsAsCancelled() throws Exception {
        int max = 900;
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("go on and on", null, max).toString(),
                (m, socket) -> {
                    if (m.path("index").asInt(-1) == 2) {
                        socket.sendText("{\"type\":\"cancel\"}", true);
                    }
                });
        assertEquals("done", a.last().get("type").asText(), a.last().toString());
        assertEquals("cancelled", a.last().get("finish_reason").asText());
        assertTrue(
                a.tokens().size() < max, "generation went on to " + a.tokens().size() + " tokens");
    }

    @Test
    void kcatReadsTheTokensTopic() throws Exception {
        StreamClient.ask(
                stack.gatewayPorts().get(0), StreamClient.request("hi", null, 2).toString());
        boolean present =
                new ProcessBuilder("sh", "-c", "command -v kcat").start().waitFor() == 0;
        assumeTrue(present, "kcat is not installed (Debian package kcat; .ci/run installs it when it can)");
        Process kcat = new ProcessBuilder(
                        "kcat",
                        "-b",
                        stack.bootstrapServers(),
                        "-C",
                        "-t",
                        Topics.TOKENS,
                        "-o",
                        "beginning",
                        "-e",
                        "-q",
                        "-f",
                        "%k %S\\n")
                .redirectErrorStream(true)
                .start();
        String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kcat.waitFor(), out);
        assertFalse(out.isBlank(), "kcat read nothing from vlm.tokens");
    }
}
