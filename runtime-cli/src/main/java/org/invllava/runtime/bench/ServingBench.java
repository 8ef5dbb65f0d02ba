package org.invllava.runtime.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.invllava.runtime.generate.OutputOptions;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.runtime.serving.EngineObserver;
import org.invllava.runtime.serving.GenerationCallbacks;
import org.invllava.runtime.serving.Outcome;
import org.invllava.runtime.serving.Priority;

/**
 * Serving throughput and latency of the batching engine in-process: {@code concurrency} requests submitted at once
 * (random text prompts of {@code promptTokens}, {@code maxTokens} greedy tokens each), timed per token.
 */
public final class ServingBench {
    private final MultimodalModel model;
    private final EngineConfig config;
    private final int promptTokens;
    private final int maxTokens;
    private final OutputOptions options;

    /** One concurrency level: generated tokens, wall time, and per-request first-token and inter-token times. */
    public record Level(
            int concurrency,
            int tokens,
            double seconds,
            double[] ttftMs,
            double[] itlMs,
            long peakRssBytes,
            long kvBytesPerSequence) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public static double percentile(double[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }
    }

    public ServingBench(MultimodalModel model, EngineConfig config, int promptTokens, int maxTokens) {
        this(model, config, promptTokens, maxTokens, OutputOptions.NONE);
    }

    /** As above, every request with {@code options} (a JSON schema held while decoding, log probabilities). */
    public ServingBench(
            MultimodalModel model, EngineConfig config, int promptTokens, int maxTokens, OutputOptions options) {
        this.model = model;
        this.config = config;
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
        this.options = options;
    }

    public Level run(int concurrency) throws Exception {
        try (BatchEngine engine = new BatchEngine(model, config, EngineObserver.NONE)) {
            engine.start();
            ProcessMemory.resetPeak();
            List<double[]> ttft = new ArrayList<>();
            List<Double> itl = new ArrayList<>();
            List<CompletableFuture<Outcome>> done = new ArrayList<>();
            int[] tokens = {0};
            long t0 = System.nanoTime();
            for (int i = 0; i < concurrency; i++) {
                CompletableFuture<Outcome> f = new CompletableFuture<>();
                double[] first = {Double.NaN};
                ttft.add(first);
                long submitted = System.nanoTime();
                engine.submitChoices(
                        "bench-" + i,
                        prompt(i),
                        List.of(),
                        List.of(SamplingParams.greedy(maxTokens)),
                        options,
                        List.of(List.of()),
                        Priority.INTERACTIVE,
                        List.of(new GenerationCallbacks() {
                            private long last = submitted;

                            @Override
                            public void onToken(int index, int tokenId, String textDelta) {
                                long now = System.nanoTime();
                                if (index == 0) {
                                    first[0] = (now - submitted) / 1e6;
                                } else {
                                    itl.add((now - last) / 1e6);
                                }
                                last = now;
                                tokens[0]++;
                            }

                            @Override
                            public void onDone(Outcome outcome) {
                                f.complete(outcome);
                            }
                        }));
                done.add(f);
            }
            for (CompletableFuture<Outcome> f : done) {
                Outcome o = f.get(30, TimeUnit.MINUTES);
                if (o instanceof Outcome.Failed failed) {
                    throw failed.error();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double[] ttftMs = ttft.stream().mapToDouble(a -> a[0]).sorted().toArray();
            double[] itlMs =
                    itl.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int blocks = (promptTokens + 1 + maxTokens + config.kvBlockSize() - 1) / config.kvBlockSize();
            return new Level(
                    concurrency,
                    tokens[0],
                    seconds,
                    ttftMs,
                    itlMs,
                    ProcessMemory.peakRss(),
                    (long) blocks * config.kvBlockSize() * engine.kvBytesPerToken());
        }
    }

    /** A BOS and {@code promptTokens} random pieces, distinct per request. */
    private int[] prompt(int request) {
        return randomPrompt(
                new SplittableRandom(1000 + request),
                promptTokens + 1,
                model.tokenizer().vocabSize());
    }

    /** {@code length} ids: a BOS, then pieces drawn from {@code random} above the byte and control pieces. */
    public static int[] randomPrompt(SplittableRandom random, int length, int vocab) {
        int[] ids = new int[length];
        ids[0] = 1;
        for (int i = 1; i < ids.length; i++) {
            ids[i] = 259 + random.nextInt(vocab - 259);
        }
        return ids;
    }
}
