package org.invllava.evaluation.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.evaluation.bench.Benchmark;
import org.invllava.evaluation.bench.ChoiceBenchmarks;
import org.invllava.evaluation.bench.Formats;
import org.invllava.evaluation.bench.VqaBenchmark;
import org.invllava.evaluation.bench.YesNoBenchmarks;
import org.invllava.evaluation.world.WorldExport;

/** The benchmarks of a split folder written by {@code world}: the same questions in every public format. */
public final class WorldBenchmarks {
    private WorldBenchmarks() {}

    /** Every format {@code world} writes into a split folder. */
    public static List<Benchmark> of(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("questions.jsonl"))) {
            throw new IllegalArgumentException(dir + " is not a split folder written by `world` (no questions.jsonl)");
        }
        String split = dir.getFileName().toString();
        Path images = dir.resolve("images");
        return List.of(
                Formats.jsonl(dir.resolve("questions.jsonl")),
                VqaBenchmark.vqav2(
                        dir.resolve("vqav2/questions.json"),
                        dir.resolve("vqav2/annotations.json"),
                        images,
                        WorldExport.vqaImagePattern(split)),
                Formats.gqa(dir.resolve("gqa/questions.json"), images),
                YesNoBenchmarks.pope(List.of(dir.resolve("pope/pope_random.json")), images),
                YesNoBenchmarks.mme(dir.resolve("mme")),
                ChoiceBenchmarks.scienceQa(dir.resolve("scienceqa"), split),
                ChoiceBenchmarks.mmBench(dir.resolve("mmbench/mmbench.tsv"), true, false));
    }
}
