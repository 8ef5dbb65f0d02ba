package org.invllava.runtime.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.invllava.runtime.bench.MachineProbe;
import org.invllava.runtime.bench.ServingBench;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.OutputOptions;
import org.invllava.runtime.generate.json.JsonConstraint;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.nn.quant.QuantKernels;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.wire.json.JsonSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Aggregate tokens/s, time to first token and inter-token latency of the batching engine at several concurrencies,
 * on random weights of a real shape, all measured in one run so that the ratios compare like with like.
 */
@Command(
        name = "bench-serving",
        mixinStandardHelpOptions = true,
        description = "Continuous-batching throughput and latency at concurrency 1, 2, 4, 8, 16 (in-process engine).")
final class ServingBenchCommand implements Callable<Integer> {
    @Option(
            names = "--shape",
            defaultValue = "benchmark",
            description = "benchmark (TinyLlama-1.1B shape), llama7b or tiny (quick runs)")
    String shapeName;

    @Option(names = "--dtype", defaultValue = "float32")
    String dtype;

    @Option(
            names = "--weights",
            defaultValue = "float32",
            description = "how linear weights are stored: float32, float16, bfloat16, q8_0 or q4_0 (not float32: "
                    + "float32 activations, native kernels)")
    String weights;

    @Option(names = "--concurrency", defaultValue = "1,2,4,8,16", split = ",")
    List<Integer> concurrency;

    @Option(names = "--prompt-tokens", defaultValue = "32")
    int promptTokens;

    @Option(names = "--max-tokens", defaultValue = "32", description = "tokens generated per request")
    int maxTokens;

    @Option(names = "--max-tokens-per-step", defaultValue = "256")
    int maxTokensPerStep;

    @Option(names = "--kv-cache-tokens", defaultValue = "8192")
    int kvCacheTokens;

    @Option(
            names = "--json-schema",
            description = "also run every level with answers held to this JSON Schema (JSON "
                    + "text): the per-step cost of structured outputs, measured against free text in the same run")
    String jsonSchema;

    @Option(names = "--work-dir", description = "where the random checkpoint is written (default: a temporary folder)")
    Path workDir;

    /** Every request's answer held to {@link #jsonSchema}, through {@link #grammar}. */
    private OutputOptions constrained(InverseLlavaModel model) {
        grammar = JsonConstraint.grammar(
                JsonSchema.parse(jsonSchema),
                model.tokenizer(),
                model.language().config().eosTokenIds());
        return new OutputOptions(-1, false, grammar::newConstraint);
    }

    private JsonConstraint.Grammar grammar;

    @Override
    public Integer call() throws Exception {
        ModelShape shape = BenchCommand.shape(shapeName);
        int maxBatch = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        EngineConfig config = new EngineConfig(maxBatch, Math.max(maxTokensPerStep, maxBatch), 16, kvCacheTokens);
        PrintStream out = System.out;
        Path dir = workDir != null ? workDir : Files.createTempDirectory("inverse-llava-bench-serving");
        ModelPaths paths = BenchCommand.randomCheckpoint(dir, shape);
        out.println("machine: " + MachineProbe.cpuDescription());
        try (NDManager probe = NDManager.newBaseManager(Device.cpu())) {
            out.printf(
                    Locale.ROOT,
                    "machine: read bandwidth %.1f GB/s (1 GiB float32 sum)%n",
                    MachineProbe.readBandwidth(probe, 5) / 1e9);
        }
        List<ServingBench.Level> levels = new ArrayList<>();
        try (InverseLlavaModel model = InverseLlavaModel.load(
                paths, new LoadOptions(LoadOptions.parseDtype(dtype), Device.cpu(), WeightFormat.parse(weights)))) {
            ServingBench bench = new ServingBench(model, config, promptTokens, maxTokens);
            ServingBench constrained = jsonSchema == null
                    ? null
                    : new ServingBench(model, config, promptTokens, maxTokens, constrained(model));
            bench.run(1); // warm-up
            for (int c : concurrency) {
                ServingBench.Level l = bench.run(c);
                out.printf(Locale.ROOT, "concurrency %d: %d tokens in %.1f s%n", c, l.tokens(), l.seconds());
                levels.add(l);
                if (constrained != null) {
                    ServingBench.Level j = constrained.run(c);
                    out.printf(
                            Locale.ROOT,
                            "concurrency %d, JSON schema: %d tokens in %.1f s; ITL p50 %.2f ms vs %.2f ms "
                                    + "free (x %.3f), tokens/s x %.3f%n",
                            c,
                            j.tokens(),
                            j.seconds(),
                            ServingBench.Level.percentile(j.itlMs(), 0.5),
                            ServingBench.Level.percentile(l.itlMs(), 0.5),
                            ServingBench.Level.percentile(j.itlMs(), 0.5)
                                    / ServingBench.Level.percentile(l.itlMs(), 0.5),
                            j.tokensPerSecond() / l.tokensPerSecond());
                    var s = grammar.stats();
                    out.printf(
                            Locale.ROOT,
                            "  masks so far: %d trie walks (new states) of %.3f ms each, %d masks of %.3f ms "
                                    + "each on average (vocabulary %d; per step of 8 sequences %.2f ms)%n",
                            s.walks(),
                            s.walkNanos() / 1e6 / Math.max(1, s.walks()),
                            s.masks(),
                            s.maskNanos() / 1e6 / Math.max(1, s.masks()),
                            model.tokenizer().vocabSize(),
                            8 * s.maskNanos() / 1e6 / Math.max(1, s.masks()));
                }
            }
        }
        out.printf(
                Locale.ROOT,
                "%n%s shape, %s activations, %s weights (%s), prompts of %d tokens, %d tokens each, "
                        + "%d tokens a step%n%n",
                shapeName,
                dtype,
                weights,
                QuantKernels.describe(),
                promptTokens + 1,
                maxTokens,
                config.maxTokensPerStep());
        out.println(
                "| concurrency | tokens/s | x of 1 | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms | ITL p50 x of 1 "
                        + "| peak RSS GiB | KV MiB / sequence |");
        out.println("|---|---|---|---|---|---|---|---|---|---|");
        ServingBench.Level base = levels.get(0);
        for (ServingBench.Level l : levels) {
            out.printf(
                    Locale.ROOT,
                    "| %d | %.2f | %.2f | %.0f | %.0f | %.1f | %.1f | %.2f | %.2f | %.2f |%n",
                    l.concurrency(),
                    l.tokensPerSecond(),
                    l.tokensPerSecond() / base.tokensPerSecond(),
                    ServingBench.Level.percentile(l.ttftMs(), 0.5),
                    ServingBench.Level.percentile(l.ttftMs(), 0.99),
                    ServingBench.Level.percentile(l.itlMs(), 0.5),
                    ServingBench.Level.percentile(l.itlMs(), 0.99),
                    ServingBench.Level.percentile(l.itlMs(), 0.5) / ServingBench.Level.percentile(base.itlMs(), 0.5),
                    l.peakRssBytes() / (double) (1L << 30),
                    l.kvBytesPerSequence() / (double) (1L << 20));
        }
        return 0;
    }
}
