package org.invllava.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.weights.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk requests fill the batch; an interactive one takes the place of the youngest bulk sequence within a step (it is
 * preempted and recomputed later), and every answer still equals the request generated alone (float32).
 */
class BatchPriorityTest {
    @TempDir
    static Path dir;

    static InverseLlavaModel model;

    @BeforeAll
    static void load() throws Exception {
        model = InverseLlavaModel.load(
                new DemoModelFactory(ModelShape.tiny(), DType.F32, 23).write(dir.resolve("m")), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    record Sent(
            String question,
            int maxTokens,
            List<Integer> tokens,
            AtomicInteger firstTokenStep,
            CompletableFuture<Outcome> done) {
        int[] alone() {
            return new Generator(model)
                    .generate(ids(question), List.of(), SamplingParams.greedy(maxTokens), (i, t, d) -> {})
                    .tokenIds();
        }
    }

    static int[] ids(String question) {
        return model.chat().question(question, false);
    }

    static Sent submit(BatchEngine engine, String question, int maxTokens, Priority priority, AtomicInteger steps) {
        Sent s = new Sent(
                question,
                maxTokens,
                java.util.Collections.synchronizedList(new ArrayList<>()),
                new AtomicInteger(-1),
                new CompletableFuture<>());
        engine.submit(
                question,
                ids(question),
                List.of(),
                SamplingParams.greedy(maxTokens),
                List.of(),
                priority,
                new GenerationCallbacks() {
                    @Override
                    public void onToken(int index, int tokenId, String textDelta) {
                        s.firstTokenStep().compareAndSet(-1, steps.get());
                        s.tokens().add(tokenId);
                    }

                    @Override
                    public void onDone(Outcome outcome) {
                        s.done().complete(outcome);
                    }
                });
        return s;
    }

    @Test
    void anInteractiveRequestTakesABulkSequencesPlaceWithinAStep() throws Exception {
        AtomicInteger steps = new AtomicInteger();
        AtomicInteger preempted = new AtomicInteger();
        EngineObserver observer = new EngineObserver() {
            @Override
            public void onStep(int sequences, int prefillTokens, int decodeTokens, long nanos) {
                steps.incrementAndGet();
            }

            @Override
            public void onPreempted() {
                preempted.incrementAndGet();
            }
        };
        try (BatchEngine engine = new BatchEngine(model, new EngineConfig(2, 128, 4, 2048), observer)) {
            engine.start();
            Sent bulk1 = submit(engine, "tell me a long story", 80, Priority.BULK, steps);
            Sent bulk2 = submit(engine, "and another one", 80, Priority.BULK, steps);
            Sent bulk3 = submit(engine, "a third, waiting", 20, Priority.BULK, steps);
            while (bulk2.tokens().size() < 3) {
                Thread.sleep(1);
            }
            int before = steps.get();
            Sent interactive = submit(engine, "what is it?", 10, Priority.INTERACTIVE, steps);
            Outcome o = interactive.done().get(120, TimeUnit.SECONDS);
            assertTrue(
                    interactive.firstTokenStep().get() - before <= 2,
                    "first token within the step under way and the next: "
                            + (interactive.firstTokenStep().get() - before));
            assertEquals(1, preempted.get(), "the youngest bulk sequence made way");
            assertTrue(
                    bulk3.tokens().isEmpty()
                            || bulk3.firstTokenStep().get()
                                    > interactive.firstTokenStep().get(),
                    "a waiting bulk request does not overtake the interactive one");
            assertArrayEquals(
                    interactive.alone(),
                    assertInstanceOf(Outcome.Finished.class, o).result().tokenIds());
            for (Sent b : List.of(bulk1, bulk2, bulk3)) {
                Outcome.Finished f =
                        assertInstanceOf(Outcome.Finished.class, b.done().get(120, TimeUnit.SECONDS));
                assertArrayEquals(
                        b.alone(),
                        f.result().tokenIds(),
                        "a preempted bulk answer is recomputed exactly: " + b.question());
            }
        }
    }
}
