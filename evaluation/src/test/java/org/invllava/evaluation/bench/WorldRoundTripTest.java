package org.invllava.evaluation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.runner.EvalRunner;
import org.invllava.evaluation.runner.Progress;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldExport;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.evaluation.world.YesNoPair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The world written in every public format and read back by the readers: an oracle that knows each picture's
 * scene scores 100 everywhere, an answerer that always says "yes" scores what the formats' rules give it.
 */
class WorldRoundTripTest {
    @TempDir
    static Path dir;

    static List<World.Sample> samples;
    static List<Benchmark> benchmarks;

    @BeforeAll
    static void write() throws Exception {
        samples = new World(11, World.DEFAULT_IMAGE_SIZE).samples(World.Split.TEST, 0, 40);
        WorldExport.write(World.Split.TEST, samples, dir.resolve("test"));
        benchmarks = org.invllava.evaluation.cli.WorldBenchmarks.of(dir.resolve("test"));
    }

    @Test
    void anOracleScoresFullMarksInEveryFormat() throws Exception {
        Answerer oracle = new Oracle(samples);
        for (Benchmark b : benchmarks) {
            EvalRunner.Answers answers = EvalRunner.run(
                    b.items(),
                    oracle,
                    2,
                    new Progress(System.err, b.name(), b.items().size(), false));
            assertEquals(0, answers.errors(), b.name() + ": " + answers.firstError());
            Score s = b.score(answers.byId());
            double headline = s.metrics().values().iterator().next();
            double expected = b.name().equals("mme") ? 200.0 * s.categories().size() : 100.0;
            assertEquals(expected, headline, 1e-9, b.name() + " " + s);
        }
    }

    @Test
    void alwaysYesGetsChanceOnTheYesNoFormats() throws Exception {
        Answerer yes = new Answerer() {
            @Override
            public String label() {
                return "yes";
            }

            @Override
            public String answer(String prompt, byte[] image) {
                return "Yes";
            }
        };
        for (Benchmark b : benchmarks) {
            if (!b.name().equals("pope") && !b.name().equals("mme")) {
                continue;
            }
            Score s = b.score(EvalRunner.run(b.items(), yes, 2, new Progress(System.err, b.name(), 1, false))
                    .byId());
            if (b.name().equals("pope")) {
                assertEquals(100.0, s.metrics().get("yes_ratio"), 1e-9);
                assertEquals(100.0, s.metrics().get("recall"), 1e-9);
            } else {
                s.categories().values().forEach(c -> {
                    assertEquals(50.0, c.get("acc"), 1e-9);
                    assertEquals(0.0, c.get("acc_plus"), 1e-9);
                });
            }
        }
        assertTrue(
                benchmarks.size() >= 7,
                "every format is read: "
                        + benchmarks.stream().map(Benchmark::name).toList());
    }

    /** Answers from the scenes: finds the picture by its bytes and the question by its first line. */
    private static final class Oracle implements Answerer {
        private final Map<String, World.Sample> byImage = new HashMap<>();

        Oracle(List<World.Sample> samples) {
            samples.forEach(s -> byImage.put(Arrays.toString(s.scene().png()), s));
        }

        @Override
        public String label() {
            return "oracle";
        }

        @Override
        public String answer(String prompt, byte[] image) {
            World.Sample s = byImage.get(Arrays.toString(image));
            String[] lines = prompt.split("\n");
            String question = lines[0].startsWith("Context: ") ? lines[1] : lines[0]; // ScienceQA: the context first
            for (YesNoPair pair : s.yesNoPairs()) {
                if (question.startsWith(pair.yes())) {
                    return "Yes";
                }
                if (question.startsWith(pair.no())) {
                    return "No";
                }
            }
            for (WorldQuestion q : s.questions()) {
                boolean lettered = prompt.contains("\nA. ");
                if (!q.question().equals(question)
                        || lettered != (q.kind() == org.invllava.evaluation.world.QuestionKind.CHOICE)) {
                    continue; // a colour question and a choice question may share their first line
                }
                if (q.kind() != org.invllava.evaluation.world.QuestionKind.CHOICE) {
                    return q.answer();
                }
                for (String line : prompt.split("\n")) { // the letter the right option has in this (rotated) list
                    if (line.matches("[A-Z]\\. .*") && line.substring(3).equals(q.answerText())) {
                        return line.substring(0, 1);
                    }
                }
            }
            throw new AssertionError("oracle cannot answer " + prompt);
        }
    }
}
