package org.invllava.evaluation.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.invllava.evaluation.bench.Answerer;
import org.invllava.evaluation.bench.Benchmark;
import org.invllava.evaluation.bench.EvalItem;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.report.BarChart;
import org.invllava.evaluation.report.EvalReport;
import org.invllava.evaluation.report.Tables;
import org.invllava.evaluation.runner.EvalRunner;
import org.invllava.evaluation.runner.InProcessAnswerer;
import org.invllava.evaluation.runner.OpenAiAnswerer;
import org.invllava.evaluation.runner.Progress;
import org.invllava.runtime.cli.ModelOptions;
import org.invllava.runtime.demo.BundledDemoModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs benchmark files against a model in-process or an OpenAI-compatible endpoint; writes scores and a chart. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description =
                "Evaluate a model on benchmark files (MME, POPE, ScienceQA-IMG, MMBench(-CN), VQAv2, TextVQA, "
                        + "VizWiz, GQA, jsonl, or a synthetic world split) in-process or through an OpenAI-compatible endpoint.")
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    BenchmarkOptions benchmarks;

    @Mixin
    ModelOptions model;

    @Option(
            names = "--endpoint",
            description =
                    "OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1) instead of " + "loading the model here")
    String endpoint;

    @Option(names = "--api-key", description = "bearer key for --endpoint")
    String apiKey;

    @Option(names = "--model", description = "model id sent to --endpoint (default: the server's default model)")
    String modelId;

    @Option(names = "--label", description = "the model's name in reports (default: the model id or endpoint)")
    String label;

    @Option(names = "--concurrency", defaultValue = "8", description = "questions in flight (default 8)")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "16", description = "answer length limit in tokens (default 16)")
    int maxTokens;

    @Option(names = "--limit", description = "ask only the first N questions of each benchmark")
    Integer limit;

    @Option(
            names = "--out",
            defaultValue = "eval-results",
            description = "folder for results.json, results.md, "
                    + "results.png and answers-<benchmark>.jsonl (default ${DEFAULT-VALUE})")
    Path out;

    @Option(
            names = "--compare",
            description = "results.json of other runs to put beside this one in the table and chart")
    List<Path> compare = new ArrayList<>();

    @Option(
            names = "--work-dir",
            description = "where the demo model is written when no model is given (default: a temporary folder)")
    Path workDir;

    @Option(names = "--dtype", defaultValue = "float32")
    String dtype;

    @Option(names = "--device", defaultValue = "auto")
    String device;

    @Override
    public Integer call() throws Exception {
        List<Benchmark> selected = benchmarks.open();
        Files.createDirectories(out);
        List<EvalReport.Entry> entries = new ArrayList<>();
        String source;
        try (Answerer answerer = answerer()) {
            source = endpoint != null ? endpoint : "in-process";
            for (Benchmark b : selected) {
                List<EvalItem> items = limit == null
                        ? b.items()
                        : b.items().subList(0, Math.min(limit, b.items().size()));
                EvalRunner.Answers answers =
                        EvalRunner.run(items, answerer, concurrency, Progress.onStderr(b.name(), items.size()));
                writeAnswers(b.name(), items, answers.byId());
                Score score = b.score(answers.byId());
                entries.add(new EvalReport.Entry(
                        b.name(),
                        score.questions(),
                        answers.errors(),
                        answers.seconds(),
                        score.metrics(),
                        score.categories()));
                System.out.printf(
                        "%-10s %s (%d questions, %d errors, %.1f s)%n",
                        b.name(), score.metrics(), items.size(), answers.errors(), answers.seconds());
            }
            EvalReport report = new EvalReport(label != null ? label : answerer.label(), source, entries);
            report.write(out.resolve("results.json"));
            List<EvalReport> all = new ArrayList<>(List.of(report));
            for (Path other : compare) {
                all.add(EvalReport.read(other));
            }
            String table = Tables.markdown(all);
            Files.writeString(out.resolve("results.md"), table, StandardCharsets.UTF_8);
            BarChart.write(all, "accuracy per benchmark and category", out.resolve("results.png"));
            System.out.println();
            System.out.print(table);
            System.out.println("results: " + out.resolve("results.json") + ", table: results.md, chart: results.png");
        }
        return 0;
    }

    private Answerer answerer() throws Exception {
        if (endpoint != null) {
            return new OpenAiAnswerer(endpoint, apiKey, modelId, maxTokens, 20, Duration.ofMinutes(5));
        }
        ModelSource given = model.sourceOrNull(); // Inverse-LLaVA's dirs, --llava-model or --dpa-model
        ModelSource source = given != null
                ? given
                : new ModelSource.InverseLlava(BundledDemoModel.in(
                        workDir != null
                                ? workDir.resolve("demo-model")
                                : Files.createTempDirectory("inverse-llava-eval")));
        var loaded = source.load(new LoadOptions(LoadOptions.parseDtype(dtype), LoadOptions.parseDevice(device)));
        return new InProcessAnswerer(loaded, label != null ? label : loaded.id(), maxTokens);
    }

    private void writeAnswers(String name, List<EvalItem> items, Map<String, String> answers) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w =
                Files.newBufferedWriter(out.resolve("answers-" + name + ".jsonl"), StandardCharsets.UTF_8)) {
            for (EvalItem item : items) {
                w.write(json.writeValueAsString(json.createObjectNode()
                        .put("question_id", item.id())
                        .put("category", item.category())
                        .put("prompt", item.prompt())
                        .put("answer", answers.get(item.id()))));
                w.write('\n');
            }
        }
    }
}
