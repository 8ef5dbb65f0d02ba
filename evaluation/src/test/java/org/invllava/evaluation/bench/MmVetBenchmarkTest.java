package org.invllava.evaluation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.Score;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MM-Vet's grading through an OpenAI-compatible judge: here a {@link StandInJudge} that grades by what the prompt
 * holds.
 */
class MmVetBenchmarkTest {
    @Test
    void gradesAreAveragedOverAllAndPerCapability(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mm-vet.json"), """
                {"v1_0": {"imagename": "v1_0.png", "question": "What is x?", "answer": "-1<AND>-5", "capability": ["math"]},
                 "v1_1": {"imagename": "v1_1.png", "question": "What does the sign say?", "answer": "STOP",
                          "capability": ["ocr", "rec"]},
                 "v1_2": {"imagename": "v1_2.png", "question": "Which animal?", "answer": "cat", "capability": ["rec"]}}
                """);
        try (StandInJudge judge = new StandInJudge(body -> body.contains("What is x? | -1 <AND> -5 | x = -1 |")
                ? "0.5"
                : body.contains("| STOP | STOP |") ? " 1.0 " : "The correctness score is 1.0")) { // not a float

            Benchmark b = MmVetBenchmark.of(dir.resolve("mm-vet.json"), dir, judge.client());
            List<String> prompts = judge.prompts();
            assertEquals(3, b.items().size());
            Score s = b.score(Map.of("v1_0", "x = -1", "v1_1", "STOP", "v1_2", "a dog"));
            assertEquals(50.0, s.metrics().get("score"), 1e-9); // (0.5 + 1.0 + 0) / 3
            assertEquals(50.0, s.categories().get("math").get("score"), 1e-9);
            assertEquals(100.0, s.categories().get("ocr").get("score"), 1e-9);
            assertEquals(50.0, s.categories().get("rec").get("score"), 1e-9); // (1.0 + 0) / 2
            assertEquals(1 + 1 + 5, prompts.size(), "a grade float() cannot read is asked for five times, then 0");
            assertTrue(
                    prompts.get(0).contains("Just complete the last space of the correctness score."), prompts.get(0));
        }
    }
}
