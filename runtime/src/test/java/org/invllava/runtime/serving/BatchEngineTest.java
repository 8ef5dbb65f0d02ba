package org.invllava.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.invllava.runtime.Golden;
import org.invllava.runtime.demo.DemoLlavaFactory;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.ContextLengthException;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LlavaModel;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.DType;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Continuous batching on the real engine: every answer equals the same request generated alone (float32). */
class BatchEngineTest {
    @TempDir
    static Path dir;

    static InverseLlavaModel model;

    @BeforeAll
    static void load() throws Exception {
        model = InverseLlavaModel.load(
                new DemoModelFactory(ModelShape.tiny(), DType.F32, 21).write(dir.resolve("m")), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A request of the test: its question, image (or none) and token limit; {@code cancelAfter} > 0 cancels it. */
    record Ask(String question, PatchFeatures image, int maxTokens, int cancelAfter) {
        int[] promptIds(MultimodalModel m) {
            return m.chat().question(question, image != null);
        }

        List<PatchFeatures> images() {
            return image == null ? List.of() : List.of(image);
        }

        int[] alone(MultimodalModel m) {
            return new Generator(m)
                    .generate(promptIds(m), images(), SamplingParams.greedy(maxTokens), (i, t, d) -> {})
                    .tokenIds();
        }
    }

    /** What one request received: its tokens as streamed, and its outcome. */
    record Received(List<Integer> tokens, CompletableFuture<Outcome> outcome) {
        int[] ids() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    static Received submit(BatchEngine engine, String id, Ask ask) {
        return submit(engine, model, id, ask);
    }

    static Received submit(BatchEngine engine, MultimodalModel m, String id, Ask ask) {
        List<Integer> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        engine.submit(
                id, ask.promptIds(m), ask.images(), SamplingParams.greedy(ask.maxTokens()), new GenerationCallbacks() {
                    @Override
                    public Object stopReason() {
                        return ask.cancelAfter() > 0 && tokens.size() >= ask.cancelAfter() ? "cancelled" : null;
                    }

                    @Override
                    public void onToken(int index, int tokenId, String textDelta) {
                        assertEquals(tokens.size(), index);
                        tokens.add(tokenId);
                    }

                    @Override
                    public void onDone(Outcome outcome) {
                        done.complete(outcome);
                    }
                });
        return new Received(tokens, done);
    }

    static PatchFeatures image(long seed) {
        return image(model, seed);
    }

    static PatchFeatures image(MultimodalModel m, long seed) {
        byte[] px = new byte[112 * 112 * 3];
        new Random(seed).nextBytes(px);
        return m.encodeImages(List.of(new RgbImage(112, 112, px))).get(0);
    }

    static Outcome await(Received r) throws Exception {
        return r.outcome().get(120, TimeUnit.SECONDS);
    }

    static void awaitPoolEmpty(BatchEngine engine) throws InterruptedException {
        for (int i = 0; i < 200 && engine.snapshot().kvBlocksUsed() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, engine.snapshot().kvBlocksUsed(), "every KV block returns to the pool");
    }

    @Test
    void requestsJoiningLeavingAndCancelledMidwayEachGetTheirAloneAnswer() throws Exception {
        List<Ask> asks = List.of(
                new Ask("what is in the image?", image(1), 30, 0),
                new Ask("say something", null, 25, 0),
                new Ask("describe the picture in many words, please", image(2), 40, 0),
                new Ask("tell me a long story", null, 60, 6), // cancelled after 6 tokens
                new Ask("what colour is it?", image(3), 20, 0),
                new Ask("hi", null, 35, 0));
        AtomicInteger steps = new AtomicInteger();
        AtomicInteger mixed = new AtomicInteger();
        EngineObserver observer = new EngineObserver() {
            @Override
            public void onStep(int sequences, int prefillTokens, int decodeTokens, long nanos) {
                steps.incrementAndGet();
                if (prefillTokens > 0 && decodeTokens > 0) {
                    mixed.incrementAndGet();
                }
            }
        };
        // 24 tokens a step: prompts of 30-100 positions are prefilled in chunks beside others' decode tokens
        try (BatchEngine engine = new BatchEngine(model, new EngineConfig(4, 24, 4, 2048), observer)) {
            engine.start();
            List<Received> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                got.add(submit(engine, "r" + i, asks.get(i)));
            }
            while (got.get(0).tokens().size() < 3) {
                Thread.sleep(1);
            }
            for (int i = 3; i < asks.size(); i++) { // join while the first ones decode; 6 > max batch 4: some wait
                got.add(submit(engine, "r" + i, asks.get(i)));
            }
            for (int i = 0; i < asks.size(); i++) {
                Outcome o = await(got.get(i));
                int[] alone = asks.get(i).alone(model);
                if (asks.get(i).cancelAfter() > 0) {
                    Outcome.Stopped stopped = assertInstanceOf(Outcome.Stopped.class, o);
                    assertEquals("cancelled", stopped.reason());
                    assertTrue(got.get(i).tokens().size() < alone.length, "a cancel stops the answer early");
                    assertArrayEquals(
                            Arrays.copyOf(alone, got.get(i).tokens().size()),
                            got.get(i).ids());
                } else {
                    Outcome.Finished f = assertInstanceOf(Outcome.Finished.class, o);
                    assertArrayEquals(alone, f.result().tokenIds(), "request " + i);
                    assertArrayEquals(alone, got.get(i).ids(), "streamed tokens of request " + i);
                }
            }
            assertTrue(mixed.get() > 0, "some steps mixed prompt chunks with decode tokens");
            assertTrue(steps.get() < asks.stream().mapToInt(Ask::maxTokens).sum(), "sequences shared steps");
            awaitPoolEmpty(engine);
        }
    }

    @Test
    void llavaBaselineBatchesExactlyToo() throws Exception {
        try (LlavaModel llava = LlavaModel.load(
                new LlavaPaths(
                        new DemoLlavaFactory(ModelShape.tiny(), DType.F32, 22).write(dir.resolve("llava")), null),
                LoadOptions.defaults())) {
            List<Ask> asks = List.of(
                    new Ask("what is in the image?", image(llava, 5), 20, 0),
                    new Ask("say something", null, 15, 0),
                    new Ask("describe it", image(llava, 6), 25, 0));
            try (BatchEngine engine = new BatchEngine(llava, new EngineConfig(3, 24, 4, 1024), EngineObserver.NONE)) {
                engine.start();
                List<Received> got = new ArrayList<>();
                for (int i = 0; i < asks.size(); i++) {
                    got.add(submit(engine, llava, "l" + i, asks.get(i)));
                }
                for (int i = 0; i < asks.size(); i++) {
                    Outcome.Finished f = assertInstanceOf(Outcome.Finished.class, await(got.get(i)));
                    assertArrayEquals(asks.get(i).alone(llava), f.result().tokenIds(), "LLaVA request " + i);
                }
                awaitPoolEmpty(engine);
            }
            assertFalse(
                    Arrays.equals(
                            asks.get(0).alone(llava),
                            new Ask("what is in the image?", image(llava, 7), 20, 0).alone(llava)),
                    "the projected image reaches the language model");
        }
    }

    @Test
    void requestsLargerThanTheFreeKvMemoryArePreemptedAndStillExact() throws Exception {
        AtomicInteger preemptions = new AtomicInteger();
        EngineObserver observer = new EngineObserver() {
            @Override
            public void onPreempted() {
                preemptions.incrementAndGet();
            }
        };
        List<Ask> asks = List.of(
                new Ask("tell me a long story about a cat", null, 90, 0),
                new Ask("and another one about a dog", null, 90, 0),
                new Ask("what is in the image?", image(4), 40, 0));
        // 256 positions in all: each request alone fits (prompt + answer of 190-210), three together do not
        try (BatchEngine engine = new BatchEngine(model, new EngineConfig(3, 64, 8, 256), observer)) {
            engine.start();
            List<Received> got = new ArrayList<>();
            for (int i = 0; i < asks.size(); i++) {
                got.add(submit(engine, "p" + i, asks.get(i)));
            }
            for (int i = 0; i < asks.size(); i++) {
                Outcome.Finished f = assertInstanceOf(Outcome.Finished.class, await(got.get(i)));
                assertArrayEquals(asks.get(i).alone(model), f.result().tokenIds(), "request " + i);
                assertArrayEquals(f.result().tokenIds(), got.get(i).ids(), "each token streamed once");
            }
            assertTrue(preemptions.get() > 0, "the pool was too small for all three: someone was preempted");
            awaitPoolEmpty(engine);
            Ask tooLong = new Ask("word ".repeat(200), null, 5, 0);
            assertThrows(ContextLengthException.class, () -> submit(engine, "long", tooLong));
        }
    }

    @Test
    void goldenCaseThroughTheBatchedPath() throws Exception {
        JsonNode expected = Golden.expected();
        try (InverseLlavaModel golden = InverseLlavaModel.load(Golden.paths(), LoadOptions.defaults());
                BatchEngine engine = new BatchEngine(golden, new EngineConfig(2, 64, 16, 4096), EngineObserver.NONE)) {
            engine.start();
            int[] prompt = golden.tokenizer()
                    .encodePrompt(ChatTemplate.vicunaV1(expected.get("question").asText(), true));
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
            List<String> images = List.of("image.png", "image2.png");
            for (String name : images) {
                byte[] bytes = Files.readAllBytes(Golden.tinyModel().resolve(name));
                PatchFeatures f = golden.encodeImages(List.of(new ImageDecoder(1L << 26).decode(bytes)))
                        .get(0);
                int n = expected.get("cases").get(name).get("greedy_token_ids").size();
                outcomes.add(engine.submit(name, prompt, List.of(f), SamplingParams.greedy(n), (i, t, d) -> {}));
            }
            for (int i = 0; i < images.size(); i++) {
                Outcome.Finished f =
                        assertInstanceOf(Outcome.Finished.class, outcomes.get(i).get(120, TimeUnit.SECONDS));
                assertArrayEquals(
                        Golden.ints(expected.get("cases").get(images.get(i)).get("greedy_token_ids")),
                        f.result().tokenIds(),
                        images.get(i));
            }
        }
    }

    @Test
    void aResumedAnswerContinuesExactlyWhereTheInterruptedOneWas() throws Exception {
        PatchFeatures img = image(5);
        int[] prompt = new Ask("what is in the image?", img, 0, 0).promptIds(model);
        List<SamplingParams> modes =
                List.of(SamplingParams.greedy(24), new SamplingParams(24, 0.9, 0.95, 40, 1234, List.of()));
        try (BatchEngine engine = new BatchEngine(model, new EngineConfig(4, 32, 8, 1024), EngineObserver.NONE)) {
            engine.start();
            for (SamplingParams params : modes) {
                Outcome.Finished whole = assertInstanceOf(
                        Outcome.Finished.class,
                        engine.submit("whole", prompt, List.of(img), params, (i, t, d) -> {})
                                .get(120, TimeUnit.SECONDS));
                int[] all = whole.result().tokenIds();
                for (int cut : new int[] {1, all.length / 2, all.length - 1}) {
                    List<Integer> had = Arrays.stream(all, 0, cut).boxed().toList();
                    List<Integer> rest = java.util.Collections.synchronizedList(new ArrayList<>());
                    CompletableFuture<Outcome> done = new CompletableFuture<>();
                    engine.submit("resumed", prompt, List.of(img), params, had, new GenerationCallbacks() {
                        @Override
                        public void onToken(int index, int tokenId, String textDelta) {
                            assertEquals(cut + rest.size(), index, "numbered after the tokens it already had");
                            rest.add(tokenId);
                        }

                        @Override
                        public void onDone(Outcome outcome) {
                            done.complete(outcome);
                        }
                    });
                    Outcome.Finished f = assertInstanceOf(Outcome.Finished.class, done.get(120, TimeUnit.SECONDS));
                    assertArrayEquals(
                            Arrays.copyOfRange(all, cut, all.length),
                            rest.stream().mapToInt(Integer::intValue).toArray(),
                            params + " cut at " + cut);
                    assertArrayEquals(all, f.result().tokenIds());
                    assertEquals(whole.result().text(), f.result().text());
                }
                CompletableFuture<Outcome> ended = new CompletableFuture<>();
                engine.submit(
                        "ended",
                        prompt,
                        List.of(img),
                        params,
                        Arrays.stream(all).boxed().toList(),
                        new GenerationCallbacks() {
                            @Override
                            public void onToken(int index, int tokenId, String textDelta) {
                                throw new AssertionError("an answer that already ended picks nothing more");
                            }

                            @Override
                            public void onDone(Outcome outcome) {
                                ended.complete(outcome);
                            }
                        });
                assertTrue(ended.isDone(), "ended at once, without a step");
                assertArrayEquals(
                        all,
                        assertInstanceOf(Outcome.Finished.class, ended.get())
                                .result()
                                .tokenIds());
            }
            awaitPoolEmpty(engine);
        }
    }
}
