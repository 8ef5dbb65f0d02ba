package org.invllava.evaluation.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.invllava.evaluation.bench.Answerer;
import org.invllava.evaluation.bench.Benchmark;
import org.invllava.evaluation.bench.ChoiceBenchmarks;
import org.invllava.evaluation.bench.Formats;
import org.invllava.evaluation.bench.MmVetBenchmark;
import org.invllava.evaluation.bench.VqaBenchmark;
import org.invllava.evaluation.bench.YesNoBenchmarks;
import org.invllava.evaluation.runner.OpenAiAnswerer;
import picocli.CommandLine.Option;

/** Which benchmark files to read (a picocli mixin): one public format, or every format of a world split folder. */
public final class BenchmarkOptions {
    static final List<String> FORMATS = List.of(
            "jsonl", "mme", "pope", "scienceqa", "mmbench", "mmbench-cn", "vqav2", "textvqa", "vizwiz", "gqa", "mmvet");

    @Option(names = "--world", description = "a split folder written by `world` (e.g. world/test): every format in it")
    Path world;

    @Option(
            names = "--format",
            description = "one of: ${COMPLETION-CANDIDATES}",
            completionCandidates = FormatNames.class)
    String format;

    @Option(
            names = "--data",
            description = "the benchmark's file or folder: jsonl file; MME folder; POPE file(s), "
                    + "comma-separated; ScienceQA folder (problems.json); MMBench TSV; VQAv2 questions file; TextVQA/VizWiz file; "
                    + "GQA questions file; mm-vet.json")
    String data;

    @Option(names = "--images", description = "image folder (POPE, VQAv2, TextVQA, VizWiz, GQA)")
    Path images;

    @Option(names = "--annotations", description = "VQAv2 annotations file")
    Path annotations;

    @Option(
            names = "--image-pattern",
            defaultValue = "COCO_val2014_%012d.jpg",
            description = "VQAv2 image file name from the image id (default ${DEFAULT-VALUE})")
    String imagePattern;

    @Option(names = "--split", defaultValue = "test", description = "ScienceQA split (default test)")
    String split;

    @Option(
            names = "--no-circular",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "MMBench circular evaluation (default on)")
    boolean circular;

    @Option(
            names = "--judge-endpoint",
            description =
                    "a judge model's OpenAI-compatible base URL (no default): MM-Vet's "
                            + "grader (MM-Vet is scored only with one); MMBench's option matching for answers the rules cannot read")
    String judgeEndpoint;

    @Option(
            names = "--judge-model",
            description = "the judge model (default gpt-4-0613 for MM-Vet, gpt-3.5-turbo-0125 "
                    + "for MMBench, as their evaluators)")
    String judgeModel;

    @Option(names = "--judge-api-key", description = "bearer key for --judge-endpoint")
    String judgeApiKey;

    static final class FormatNames extends ArrayList<String> {
        FormatNames() {
            super(FORMATS);
        }
    }

    List<Benchmark> open() throws IOException {
        if ((world == null) == (format == null)) {
            throw new IllegalArgumentException("give --world DIR, or --format and --data");
        }
        return world != null ? WorldBenchmarks.of(world) : List.of(single());
    }

    private Benchmark single() throws IOException {
        if (data == null) {
            throw new IllegalArgumentException("--format " + format + " needs --data");
        }
        Path path = Path.of(data);
        return switch (format) {
            case "jsonl" -> Formats.jsonl(path);
            case "mme" -> YesNoBenchmarks.mme(path);
            case "pope" ->
                YesNoBenchmarks.pope(
                        java.util.Arrays.stream(data.split(",")).map(Path::of).toList(), required(images, "--images"));
            case "scienceqa" -> ChoiceBenchmarks.scienceQa(path, split);
            case "mmbench" -> ChoiceBenchmarks.mmBench(path, circular, false, judgeOrNull("gpt-3.5-turbo-0125"));
            case "mmbench-cn" -> ChoiceBenchmarks.mmBench(path, circular, true, judgeOrNull("gpt-3.5-turbo-0125"));
            case "vqav2" ->
                VqaBenchmark.vqav2(
                        path, required(annotations, "--annotations"), required(images, "--images"), imagePattern);
            case "textvqa" -> VqaBenchmark.textVqa(path, required(images, "--images"));
            case "vizwiz" -> VqaBenchmark.vizWiz(path, required(images, "--images"));
            case "gqa" -> Formats.gqa(path, required(images, "--images"));
            case "mmvet" ->
                MmVetBenchmark.of(
                        path,
                        required(images, "--images"),
                        judge(required(judgeEndpoint, "--judge-endpoint"), "gpt-4-0613"));
            default -> throw new IllegalArgumentException("unknown --format " + format + "; one of " + FORMATS);
        };
    }

    /** The judge at {@code endpoint}: {@code --judge-model}, or the benchmark's own default model. */
    private Answerer judge(String endpoint, String defaultModel) {
        return new OpenAiAnswerer(
                endpoint, judgeApiKey, judgeModel != null ? judgeModel : defaultModel, 8, 20, Duration.ofMinutes(2));
    }

    private Answerer judgeOrNull(String defaultModel) {
        return judgeEndpoint == null ? null : judge(judgeEndpoint, defaultModel);
    }

    private static <T> T required(T p, String option) {
        if (p == null) {
            throw new IllegalArgumentException("this format needs " + option);
        }
        return p;
    }
}
