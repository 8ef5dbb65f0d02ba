package org.invllava.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Decoding;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.Logprobs;
import org.invllava.runtime.generate.OutputOptions;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.generate.json.JsonConstraint;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.weights.DType;
import org.invllava.wire.json.JsonMatcher;
import org.invllava.wire.json.JsonSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a request can ask for beyond its tokens, on the real engine (tiny random model, float32): log probabilities
 * equal a naive log-softmax of the model's logits, prompt log probabilities across a chunked prefill, n choices sharing
 * their prompt's KV blocks each equal to the same seed alone, and answers held to a JSON schema.
 */
class OutputOptionsTest {
    @TempDir
    static Path dir;

    static InverseLlavaModel model;

    @BeforeAll
    static void load() throws Exception {
        model = InverseLlavaModel.load(
                new DemoModelFactory(ModelShape.tiny(), DType.F32, 33).write(dir.resolve("m")), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Everything one choice received. */
    static final class Choice implements GenerationCallbacks {
        final List<Decoding.Step> steps = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        volatile List<Logprobs.Position> prompt;

        @Override
        public void onToken(int index, int tokenId, String textDelta) {
            throw new AssertionError("the engine gives steps");
        }

        @Override
        public void onToken(Decoding.Step step) {
            steps.add(step);
        }

        @Override
        public void onPromptLogprobs(List<Logprobs.Position> positions) {
            prompt = positions;
        }

        @Override
        public void onDone(Outcome o) {
            outcome.complete(o);
        }

        int[] ids() {
            return steps.stream().mapToInt(Decoding.Step::tokenId).toArray();
        }

        GenerationResult result() throws Exception {
            return assertInstanceOf(Outcome.Finished.class, outcome.get(60, TimeUnit.SECONDS))
                    .result();
        }
    }

    static int[] prompt(String q) {
        return model.chat().question(q, false);
    }

    /** log_softmax(logits)[id] in double, the plain way. */
    static double naive(float[] logits, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[id] - max - Math.log(sum);
    }

    static List<Choice> run(EngineConfig config, int[] ids, List<SamplingParams> params, OutputOptions options)
            throws Exception {
        List<Choice> choices = new ArrayList<>();
        params.forEach(p -> choices.add(new Choice()));
        try (BatchEngine engine = new BatchEngine(model, config, EngineObserver.NONE)) {
            engine.start();
            engine.submitChoices(
                    "r",
                    ids,
                    List.of(),
                    params,
                    options,
                    Collections.nCopies(params.size(), List.of()),
                    Priority.INTERACTIVE,
                    List.copyOf(choices));
            for (Choice c : choices) {
                c.outcome.get(60, TimeUnit.SECONDS);
            }
        }
        return choices;
    }

    @Test
    void logprobsAreTheModelsLogSoftmaxAndPromptOnesSurviveAChunkedPrefill() throws Exception {
        int[] ids = prompt("what color is the small square on the left?");
        Choice c = run(
                        new EngineConfig(2, 7, 4, 512),
                        ids,
                        List.of(SamplingParams.greedy(6)),
                        new OutputOptions(3, true, null))
                .get(0);
        c.result();
        try (Sequence seq = model.newSequence()) { // the same positions one at a time
            float[] logits = seq.prefill(model.expand(new int[] {ids[0]}, List.of()));
            assertNull(c.prompt.get(0), "the first prompt token has no log probability");
            assertEquals(ids.length, c.prompt.size());
            for (int p = 1; p < ids.length; p++) {
                Logprobs.Position at = c.prompt.get(p);
                assertEquals(ids[p], at.token().tokenId());
                assertEquals(naive(logits, ids[p]), at.token().logprob(), 2e-4, "prompt token " + p);
                assertEquals(3, at.top().size());
                logits = seq.decode(ids[p]);
            }
            for (Decoding.Step s : c.steps) {
                assertEquals(
                        naive(logits, s.tokenId()), s.logprobs().token().logprob(), 2e-4, "answer token " + s.index());
                assertEquals(s.tokenId(), s.logprobs().top().get(0).tokenId(), "greedy picks the most likely");
                assertTrue(s.logprobs().top().get(0).logprob()
                        >= s.logprobs().top().get(1).logprob());
                logits = seq.decode(s.tokenId());
            }
        }
    }

    @Test
    void sampledTokensReportTheModelsDistributionNotTheTemperedOne() throws Exception {
        int[] ids = prompt("name a color");
        Choice c = run(
                        new EngineConfig(2, 64, 16, 512),
                        ids,
                        List.of(new SamplingParams(6, 2.5, 0.9, 0, 4, List.of())),
                        new OutputOptions(2, false, null))
                .get(0);
        c.result();
        try (Sequence seq = model.newSequence()) {
            float[] logits = seq.prefill(model.expand(ids, List.of()));
            for (Decoding.Step s : c.steps) {
                assertEquals(
                        naive(logits, s.tokenId()),
                        s.logprobs().token().logprob(),
                        2e-4,
                        "temperature 2.5 and top-p 0.9 leave the reported log probability as the model's");
                logits = seq.decode(s.tokenId());
            }
        }
    }

    @Test
    void choicesShareThePromptAndEachEqualsItsSeedAlone() throws Exception {
        int[] ids = prompt("describe the picture in a few words please");
        List<SamplingParams> seeds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            seeds.add(new SamplingParams(10, 0.9, 1.0, 0, 100 + i, List.of()));
        }
        // blocks of 4 positions: the prompt's last block is partial and shared, so every choice copies it on write
        List<Choice> together = run(new EngineConfig(4, 64, 4, 1024), ids, seeds, OutputOptions.NONE);
        for (int i = 0; i < seeds.size(); i++) {
            GenerationResult alone = new Generator(model).generate(ids, List.of(), seeds.get(i), (x, t, d) -> {});
            assertArrayEquals(alone.tokenIds(), together.get(i).result().tokenIds(), "choice " + i);
        }
        assertTrue(
                !java.util.Arrays.equals(together.get(0).ids(), together.get(1).ids()), "different seeds differ");
    }

    @Test
    void sharedBlocksAreHeldOnceAndThePartialOneIsCopiedOnWrite() {
        try (ai.djl.ndarray.NDManager m = model.newManager();
                org.invllava.runtime.language.KvBlockPool pool =
                        new org.invllava.runtime.language.KvBlockPool(model.language(), 8, 4, m)) {
            var a = pool.newCache();
            assertTrue(a.reserve(6));
            a.advance(6); // 2 blocks, the second half full
            var b = pool.newCache();
            b.share(a);
            assertEquals(6, pool.freeBlocks(), "sharing takes no block");
            assertTrue(b.reserve(1));
            assertEquals(5, pool.freeBlocks(), "the first write into the shared partial block copies it");
            assertTrue(a.reserve(1));
            assertEquals(5, pool.freeBlocks(), "the other holder now owns its partial block alone: no copy");
            a.release();
            assertEquals(6, pool.freeBlocks(), "the full block stays held by the other choice");
            b.release();
            assertEquals(8, pool.freeBlocks());
        }
    }

    @Test
    void aSchemaHoldsEveryAnswerToValidJson() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"color\":{\"enum\":[\"red\",\"green\",\"blue\"]},"
                + "\"count\":{\"type\":\"integer\"}},\"required\":[\"color\",\"count\"],\"additionalProperties\":false}";
        JsonSchema compiled = JsonSchema.parse(schema);
        JsonConstraint.Grammar grammar = JsonConstraint.grammar(
                compiled, model.tokenizer(), model.language().config().eosTokenIds());
        ObjectMapper json = new ObjectMapper();
        for (String q : List.of("what color is it?", "how many shapes are there?", "tell me a story", "hello")) {
            for (double temperature : new double[] {0, 1.5}) {
                SamplingParams p = new SamplingParams(48, temperature, 1.0, 0, 7, List.of());
                Choice c = run(
                                new EngineConfig(2, 64, 16, 1024),
                                prompt(q),
                                List.of(p),
                                new OutputOptions(-1, false, grammar::newConstraint))
                        .get(0);
                GenerationResult r = c.result();
                JsonNode doc = json.readTree(r.text());
                assertTrue(
                        List.of("red", "green", "blue")
                                .contains(doc.path("color").asText()),
                        r.text());
                assertTrue(doc.path("count").isIntegralNumber(), r.text());
                assertEquals(2, doc.size(), r.text());
                assertEquals(
                        GenerationResult.FinishReason.STOP, r.finishReason(), "ends at EOS once complete: " + r.text());
                assertTrue(JsonMatcher.canEnd(JsonMatcher.advance(JsonMatcher.start(compiled), r.text())), r.text());
            }
        }
    }
}
