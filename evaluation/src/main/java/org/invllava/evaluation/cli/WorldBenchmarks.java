package org.invllava.evaluation.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.bench.Benchmark;
import org.invllava.evaluation.bench.ChoiceBenchmarks;
import org.invllava.evaluation.bench.EvalItem;
import org.invllava.evaluation.bench.Formats;
import org.invllava.evaluation.bench.VqaBenchmark;
import org.invllava.evaluation.bench.YesNoBenchmarks;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.world.WorldExport;

/**
 * The benchmarks of a split folder written by {@code world}: the same questions in every public format; and when
 * {@code world} wrote the robustness split beside it ({@code shifted/<split>}: the same questions, pictures drawn in
 * the {@link org.invllava.evaluation.world.Style#SHIFTED} style), its questions as {@code jsonl-shifted}.
 */
public final class WorldBenchmarks {
    private WorldBenchmarks() {}

    /** Every format {@code world} writes into a split folder. */
    public static List<Benchmark> of(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("questions.jsonl"))) {
            throw new IllegalArgumentException(dir + " is not a split folder written by `world` (no questions.jsonl)");
        }
        String split = dir.getFileName().toString();
        Path images = dir.resolve("images");
        List<Benchmark> out = new ArrayList<>(List.of(
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
                ChoiceBenchmarks.mmBench(dir.resolve("mmbench/mmbench.tsv"), true, false)));
        Path shifted =
                dir.toAbsolutePath().getParent().resolve(WorldCommand.SHIFTED).resolve(split);
        if (Files.isRegularFile(shifted.resolve("questions.jsonl"))) {
            out.add(renamed(Formats.jsonl(shifted.resolve("questions.jsonl")), "jsonl-" + WorldCommand.SHIFTED));
        }
        return out;
    }

    /** {@code b} reported as {@code name}. */
    static Benchmark renamed(Benchmark b, String name) {
        return new Benchmark() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<EvalItem> items() {
                return b.items();
            }

            @Override
            public Score score(Map<String, String> answers) {
                Score s = b.score(answers);
                return new Score(name, s.metrics(), s.categories(), s.questions());
            }
        };
    }
}
