package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.FeatureCodec;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.OutputOptions;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TensorDType;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.invllava.schemas.VisualFeatures;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Join, generation, errors, dead letters and a crash redo, against a real broker and the real engine. */
class FusionLlmServiceTest {
    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;
    static KafkaSettings settings;
    static InverseLlavaModel model;
    static KafkaProducer<byte[], byte[]> producer;
    static TopicReads reads;
    static int instances;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES);
        settings = KafkaSettings.of(kafka.bootstrapServers(), "test");
        TopicSetup.ensureDefaults(kafka.bootstrapServers(), (short) 1);
        model = InverseLlavaModel.load(
                new DemoModelFactory(ModelShape.tiny(), DType.F32, 9).write(dir.resolve("model")),
                LoadOptions.defaults());
        producer = new KafkaProducer<>(settings.producer());
        reads = new TopicReads(settings);
    }

    @AfterAll
    static void stop() throws Exception {
        producer.close();
        model.close();
        kafka.close();
    }

    /** Instances of one {@code name} share their groups; each test uses its own, so none waits on another's. */
    static FusionLlmService newService(String name, int maxBatch) {
        return newService(name, maxBatch, TestConfigs.fusion(settings, "unused").orphanGrace());
    }

    static FusionLlmService newService(String name, int maxBatch, Duration orphanGrace) {
        // 32 tokens a step: image prompts (166 positions) are prefilled in chunks beside other requests' decode steps
        FusionLlmConfig config = new FusionLlmConfig(
                settings,
                "join-" + name,
                Duration.ofMinutes(1),
                "fusion-" + name,
                new EngineConfig(maxBatch, 32, 16, 4096),
                2,
                dir.resolve("state-" + instances++).toString(),
                ModelTopics.of(ModelTopics.PRIMARY),
                orphanGrace);
        FusionLlmService s = new FusionLlmService(config, model, new Metrics());
        s.start();
        return s;
    }

    static PromptRequest prompt(String id, String question, boolean image, int maxTokens) {
        return PromptRequest.newBuilder()
                .setRequestId(id)
                .setQuestion(question)
                .setHasImage(image)
                .setSampling(SamplingParameters.newBuilder()
                        .setMaxNewTokens(maxTokens)
                        .build())
                .setDeadlineEpochMs(System.currentTimeMillis() + 120_000)
                .setReplyTo("gw-test")
                .setCreatedAtEpochMs(System.currentTimeMillis())
                .build();
    }

    static void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                .get();
    }

    static void sendPrompt(PromptRequest p) throws Exception {
        send(Topics.PROMPTS, p.getRequestId(), AvroCodec.of(PromptRequest.class).encode(p));
    }

    static void sendFeatures(String id, PatchFeatures f, ErrorInfo error) throws Exception {
        var out = VisualFeatures.newBuilder()
                .setRequestId(id)
                .setEncoderId("demo")
                .setImageSha256("x")
                .setDtype(TensorDType.F32)
                .setError(error);
        if (f != null) {
            out.setShape(List.of(f.patches(), f.dim())).setData(FeatureCodec.toBytes(f, TensorDType.F32));
        } else {
            out.setShape(List.of()).setData(ByteBuffer.allocate(0));
        }
        send(Topics.FEATURES, id, AvroCodec.of(VisualFeatures.class).encode(out.build()));
    }

    static PatchFeatures features(long seed) {
        byte[] px = new byte[112 * 112 * 3];
        new Random(seed).nextBytes(px);
        return model.encodeImages(List.of(new RgbImage(112, 112, px))).get(0);
    }

    static int[] direct(String question, PatchFeatures f, int maxTokens) {
        return direct(question, f, SamplingParams.greedy(maxTokens));
    }

    static int[] direct(String question, PatchFeatures f, SamplingParams sampling) {
        int[] ids = model.chat().question(question, f != null);
        return new Generator(model)
                .generate(ids, f == null ? List.of() : List.of(f), sampling, (i, t, d) -> {})
                .tokenIds();
    }

    /** Chunks deduplicated by sequence (as the gateway does), checking duplicates are identical and none is missing. */
    static List<TokenChunk> exactlyOnce(List<TokenChunk> chunks) {
        Map<Integer, TokenChunk> bySeq = new TreeMap<>();
        for (TokenChunk c : chunks) {
            TokenChunk prev = bySeq.putIfAbsent(c.getSequence(), c);
            if (prev != null) {
                assertEquals(prev, c, "a redo must reproduce chunk " + c.getSequence());
            }
        }
        List<TokenChunk> ordered = new ArrayList<>(bySeq.values());
        for (int i = 0; i < ordered.size(); i++) {
            assertEquals(i, ordered.get(i).getSequence(), "gap in the chunk sequence");
        }
        assertNotNull(ordered.get(ordered.size() - 1).getFinishReason());
        return ordered;
    }

    static int[] ids(List<TokenChunk> chunks) {
        return chunks.stream()
                .flatMap(c -> c.getTokenIds().stream())
                .mapToInt(Integer::intValue)
                .toArray();
    }

    @Test
    void answersJoinedAndTextOnlyRequestsAndReportsBadOnes() throws Exception {
        try (FusionLlmService service = newService("serve", 2)) {
            PatchFeatures f = features(1);
            sendFeatures("img-1", f, null); // features may arrive before the prompt
            sendPrompt(prompt("img-1", "what is in the image?", true, 12));
            sendPrompt(prompt("txt-1", "say something", false, 6));
            sendPrompt(prompt("bad-image", "what is it?", true, 5));
            sendFeatures("bad-image", null, new ErrorInfo(ErrorCode.INVALID_IMAGE.code(), "cannot decode image"));
            sendPrompt(prompt("empty", "  ", false, 5));
            sendPrompt(prompt("long", "word ".repeat(3000), false, 5));
            PromptRequest badSampling = prompt("bad-sampling", "hi", false, 5);
            badSampling.getSampling().setTemperature(-1.0);
            sendPrompt(badSampling); // the client's fault: 400-like
            sendPrompt(prompt("wrong-dim", "what is it?", true, 5));
            sendFeatures("wrong-dim", new PatchFeatures(f.patches(), 7, new float[f.patches() * 7]), null); // ours
            send(Topics.PROMPTS, "poison", "definitely not avro".getBytes());
            sendPrompt(prompt("after-poison", "still serving?", false, 3));

            Map<String, List<TokenChunk>> answers = reads.answers(
                    List.of(
                            "img-1",
                            "txt-1",
                            "bad-image",
                            "empty",
                            "long",
                            "bad-sampling",
                            "wrong-dim",
                            "after-poison"),
                    c -> {});
            List<TokenChunk> img = exactlyOnce(answers.get("img-1"));
            assertArrayEquals(direct("what is in the image?", f, 12), ids(img));
            TokenChunk last = img.get(img.size() - 1);
            assertEquals(ids(img).length, last.getUsage().getCompletionTokens());
            assertArrayEquals(direct("say something", null, 6), ids(exactlyOnce(answers.get("txt-1"))));
            assertError(answers.get("bad-image"), ErrorCode.INVALID_IMAGE.code());
            assertError(answers.get("empty"), ErrorCode.INVALID_REQUEST.code());
            assertError(answers.get("long"), ErrorCode.PROMPT_TOO_LONG.code());
            assertError(answers.get("bad-sampling"), ErrorCode.INVALID_REQUEST.code());
            assertError(
                    answers.get("wrong-dim"), ErrorCode.INTERNAL.code()); // features that do not fit: not the client's
            String internal =
                    exactlyOnce(answers.get("wrong-dim")).get(0).getError().getMessage(); // DJL's text stays inside
            assertFalse(
                    internal.contains("Exception") || internal.contains("ai.djl") || internal.contains("java."),
                    internal);
            assertEquals(
                    FinishReason.LENGTH,
                    exactlyOnce(answers.get("after-poison")).get(3).getFinishReason());
            DeadLetter letter = reads.deadLetter();
            assertEquals(Topics.PROMPTS, letter.getSourceTopic());
            assertTrue(letter.getReason().contains("not Avro"), letter.getReason());
        }
    }

    /**
     * The scheduler's rules against a real broker: it pauses once {@code maxBatch + maxQueued} requests are unanswered
     * (and reaches that: the cap is what limits it), and once every request is answered the group has committed
     * {@code vlm.work} to its end.
     */
    @Test
    void theSchedulerPausesAtItsCapAndCommitsWhatItAnswered() throws Exception {
        ModelTopics topics = ModelTopics.of(ModelTopics.PRIMARY);
        reads.startAtEnd(
                "join-cap", topics.prompts(), topics.features()); // only this test's requests: the others' are long
        reads.startAtEnd("fusion-cap", Topics.WORK);
        List<String> ids = new ArrayList<>();
        for (int i = 0;
                i < 8;
                i++) { // all waiting before the instance starts: the cap, not the arrival rate, limits it
            ids.add("cap-" + i);
            sendPrompt(prompt("cap-" + i, "count to " + i, false, 24));
        }
        FusionLlmService service = newService("cap", 1); // maxBatch 1 + maxQueued 2
        int cap = 3;
        int[] most = {0};
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most[0] = Math.max(most[0], service.scheduler().inFlight());
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            Map<String, List<TokenChunk>> answers = reads.answers(ids, c -> {});
            sampler.interrupt();
            sampler.join();
            assertEquals(cap, most[0], "requests in flight at most (and at some point exactly) the cap");
            for (String id : ids) {
                assertEquals(
                        FinishReason.LENGTH,
                        exactlyOnce(answers.get(id))
                                .get(exactlyOnce(answers.get(id)).size() - 1)
                                .getFinishReason(),
                        id);
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                long deadline = System.currentTimeMillis() + 60_000;
                long lag;
                do {
                    Thread.sleep(200);
                    lag = reads.workLag(admin, "fusion-cap");
                } while (lag > 0 && System.currentTimeMillis() < deadline);
                assertEquals(0, lag, "every answered request's offset is committed");
            }
        } finally {
            sampler.interrupt();
            service.close();
        }
    }

    /**
     * A graceful stop mid-answer hands the answer over: when close returns, its poll loop has left the group (the
     * hand-over flushed the chunks before the producer closed), the request is left uncommitted, and the next instance
     * continues it after its last chunk: the client sees every token once.
     */
    @Test
    void aGracefulStopHandsTheAnswerOverBeforeItsProducerCloses() throws Exception {
        ModelTopics topics = ModelTopics.of(ModelTopics.PRIMARY);
        reads.startAtEnd("join-drain", topics.prompts(), topics.features());
        reads.startAtEnd("fusion-drain", Topics.WORK);
        FusionLlmService first = newService("drain", 2);
        FusionLlmService second = null;
        try {
            sendPrompt(prompt("drain-1", "tell me everything", false, 600));
            reads.until("drain-1", 5);
            first.close();
            assertTrue(first.schedulerStopped(), "close returned with its poll loop still running");
            try (Admin admin = Admin.create(settings.admin())) {
                assertEquals(
                        1, reads.workLag(admin, "fusion-drain"), "the unfinished request is left to the next owner");
            }
            second = newService("drain", 2);
            List<TokenChunk> answer =
                    exactlyOnce(reads.answers(List.of("drain-1"), c -> {}).get("drain-1"));
            assertEquals(
                    600, answer.stream().mapToInt(c -> c.getTokenIds().size()).sum());
            assertArrayEquals(
                    direct("tell me everything", null, 600),
                    answer.stream()
                            .flatMap(c -> c.getTokenIds().stream())
                            .mapToInt(Integer::intValue)
                            .toArray());
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void aBatchOfAKilledInstanceIsContinuedByAnotherWithoutLostOrRepeatedChunks() throws Exception {
        int maxTokens = 400;
        FusionLlmService first = newService("crash", 4);
        PatchFeatures f = features(7);
        sendFeatures("crash-img", f, null);
        sendPrompt(prompt("crash-img", "describe it at length", true, maxTokens));
        sendPrompt(prompt("crash-1", "tell me a long story", false, maxTokens));
        PromptRequest seeded = prompt("crash-2", "and another one", false, maxTokens);
        seeded.getSampling().setTemperature(0.8);
        seeded.getSampling().setTopP(0.95);
        seeded.getSampling().setSeed(42L);
        sendPrompt(seeded);
        PromptRequest choices = prompt("crash-n", "two stories please", false, maxTokens);
        choices.getSampling().setTemperature(0.9);
        choices.getSampling().setSeed(7L);
        choices.setOutput(
                OutputOptions.newBuilder().setChoices(2).setLogprobs(1).build());
        sendPrompt(choices);
        boolean[] killed = {false};
        FusionLlmService[] second = {null};
        Map<String, Integer> seenBeforeKill = new HashMap<>();
        try {
            List<String> ids = List.of("crash-img", "crash-1", "crash-2", "crash-n");
            Map<String, List<TokenChunk>> answers = reads.answers(ids, chunk -> {
                if (!killed[0]) {
                    seenBeforeKill.merge(chunk.getRequestId(), 1, Integer::sum);
                    if (seenBeforeKill.size() == 4 && chunk.getSequence() >= 4) { // all four are decoding in one batch
                        killed[0] = true;
                        first.kill();
                        second[0] = newService("crash", 4);
                    }
                }
            });
            assertTrue(killed[0], "the first instance finished before it could be killed");
            List<TokenChunk> both = exactlyOnce(answers.get("crash-n"));
            assertEquals(both.size(), answers.get("crash-n").size(), "crash-n: nothing re-sent");
            for (int c = 0; c < 2; c++) {
                int choice = c;
                List<TokenChunk> mine = both.stream()
                        .filter(x -> x.getChoice() == choice
                                && x.getFinishReason() == null
                                && x.getChoiceFinishReason() == null)
                        .toList();
                assertArrayEquals(
                        direct(
                                "two stories please",
                                null,
                                PromptPlan.sampling(SamplingParameters.newBuilder(choices.getSampling())
                                        .setSeed(7L + c)
                                        .build())),
                        ids(mine),
                        "choice " + c + " continued with its own seed after the takeover");
                assertTrue(mine.stream()
                        .allMatch(
                                x -> x.getLogprobs() != null && x.getLogprobs().size() == 1));
                assertEquals(
                        1,
                        both.stream()
                                .filter(x -> x.getChoice() == choice && x.getChoiceFinishReason() != null)
                                .count(),
                        "one end per choice");
            }
            for (String id : ids.subList(0, 3)) {
                List<TokenChunk> all = answers.get(id);
                List<TokenChunk> once = exactlyOnce(all);
                assertEquals(once.size(), all.size(), id + ": continued after the last chunk written, nothing re-sent");
                String question = id.equals("crash-img")
                        ? "describe it at length"
                        : id.equals("crash-1") ? "tell me a long story" : "and another one";
                assertArrayEquals(
                        direct(
                                question,
                                id.equals("crash-img") ? f : null,
                                PromptPlan.sampling(
                                        (id.equals("crash-2") ? seeded : prompt(id, question, false, maxTokens))
                                                .getSampling())),
                        ids(once),
                        id);
            }
        } finally {
            if (second[0] != null) {
                second[0].close();
            }
        }
    }

    /**
     * Answers nobody listens to any more are stopped (error unavailable) once the grace period has passed: one whose gateway stopped
     * sending heartbeats, one whose client left (DETACH); not one whose client came back (ATTACH after the DETACH)
     * through a gateway that is alive.
     */
    @Test
    void answersNobodyListensToAreCancelledAfterTheGracePeriod() throws Exception {
        FusionLlmService service = newService("orphans", 4, Duration.ofMillis(1000));
        Thread live = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    sendControl("", ControlAction.HEARTBEAT, "gw-live");
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        live.start();
        try {
            sendControl("", ControlAction.HEARTBEAT, "gw-dead");
            sendControl("orphan-left", ControlAction.DETACH, "gw-live");
            sendControl("orphan-back", ControlAction.DETACH, "gw-live");
            sendControl("orphan-back", ControlAction.ATTACH, "gw-live");
            // past the grace period as this instance counts it (from when it read the messages, which can be seconds
            // after they were sent while its control consumer starts on a busy machine): gw-dead silent, orphan-left
            // gone
            ControlState control = service.scheduler().control();
            long until = System.nanoTime() + 60_000_000_000L;
            while (control.orphaned("orphan-dead", "gw-dead") == null
                    || control.orphaned("orphan-left", "gw-live") == null) {
                assertTrue(System.nanoTime() < until, "the control messages were not seen within 60 s");
                Thread.sleep(100);
            }
            PromptRequest dead = prompt("orphan-dead", "hello", false, 6);
            dead.setReplyTo("gw-dead");
            PromptRequest left = prompt("orphan-left", "hello", false, 6);
            left.setReplyTo("gw-live");
            PromptRequest back = prompt("orphan-back", "hello", false, 6);
            back.setReplyTo("gw-dead"); // resumed through gw-live: the ATTACH names the gateway that listens now
            for (PromptRequest p : List.of(dead, left, back)) {
                sendPrompt(p);
            }
            Map<String, List<TokenChunk>> answers =
                    reads.answers(List.of("orphan-dead", "orphan-left", "orphan-back"), c -> {});
            // stopped without a cancel from their client: an error it can resume or retry on, never a complete answer
            assertError(exactlyOnce(answers.get("orphan-dead")), ErrorCode.UNAVAILABLE.code());
            assertError(exactlyOnce(answers.get("orphan-left")), ErrorCode.UNAVAILABLE.code());
            assertArrayEquals(direct("hello", null, 6), ids(exactlyOnce(answers.get("orphan-back"))));
        } finally {
            live.interrupt();
            service.close();
        }
    }

    static void sendControl(String requestId, ControlAction action, String gateway) throws Exception {
        ControlMessage m = new ControlMessage(requestId, action, "test", System.currentTimeMillis(), gateway);
        send(
                Topics.CONTROL,
                requestId.isEmpty() ? gateway : requestId,
                AvroCodec.of(ControlMessage.class).encode(m));
    }

    private static void assertError(List<TokenChunk> chunks, String code) {
        TokenChunk last = exactlyOnce(chunks).get(0);
        assertEquals(FinishReason.ERROR, last.getFinishReason());
        assertEquals(code, last.getError().getCode(), last.getError().getMessage());
    }
}
