package org.invllava.runtime.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.wire.PatchFeatures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A/B: the same question about the same image to every given model, greedy, answers and speed side by side. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Ask Inverse-LLaVA, LLaVA-1.5 (--llava-model) and DPA (--dpa-model) the same question; print "
                + "answers, prompt lengths, TTFT and tokens/s.")
final class CompareCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    QuestionOptions question;

    @Option(names = "--max-new-tokens", defaultValue = "64")
    int maxNewTokens;

    @Option(names = "--dtype", defaultValue = "float32")
    String dtype;

    @Option(names = "--device", defaultValue = "auto")
    String device;

    /** One model's answer and timings (TTFT includes encoding the image and the prefill). */
    record Row(String model, int promptTokens, double ttftMs, double tokensPerSecond, int tokens, String answer) {}

    @Override
    public Integer call() throws IOException {
        List<ModelSource> sources = model.servedModels();
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("give the models to compare: --vision-model, --language-model and "
                    + "--fusion-checkpoint (Inverse-LLaVA), --llava-model (LLaVA-1.5) and/or --dpa-model (DPA)");
        }
        QuestionOptions.Question q = question.read();
        LoadOptions options = new LoadOptions(LoadOptions.parseDtype(dtype), LoadOptions.parseDevice(device));
        List<Row> rows = new ArrayList<>();
        for (ModelSource source : sources) {
            try (MultimodalModel m = source.load(options)) {
                rows.add(ask(m, q));
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("| model | prompt tokens | TTFT ms | tokens/s | tokens | answer |");
        out.println("|---|---|---|---|---|---|");
        for (Row r : rows) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %d | %.0f | %.1f | %d | %s |%n",
                    r.model(),
                    r.promptTokens(),
                    r.ttftMs(),
                    r.tokensPerSecond(),
                    r.tokens(),
                    r.answer().replace("|", "\\|").replace("\n", " "));
        }
        return 0;
    }

    private Row ask(MultimodalModel m, QuestionOptions.Question q) {
        long t0 = System.nanoTime();
        List<PatchFeatures> features = q.features(m);
        int[] ids = q.promptIds(m);
        long[] times = new long[2]; // first token, last token
        GenerationResult r = new Generator(m)
                .generate(ids, features, SamplingParams.greedy(maxNewTokens), (i, t, d) -> {
                    times[i == 0 ? 0 : 1] = System.nanoTime();
                });
        int n = r.tokenIds().length;
        double rate = n > 1 ? (n - 1) / ((times[1] - times[0]) / 1e9) : Double.NaN;
        return new Row(m.id(), r.expandedPromptLength(), (times[0] - t0) / 1e6, rate, n, r.text());
    }
}
