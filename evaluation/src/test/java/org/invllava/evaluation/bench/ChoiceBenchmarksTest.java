package org.invllava.evaluation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.Score;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChoiceBenchmarksTest {
    @Test
    void mmBenchCircularCountsAQuestionOnlyWhenEveryRotationIsRight(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("mmbench_dev_en.tsv");
        Files.writeString(
                tsv,
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n"
                        + "7\t\"What is \"\"it\"\"?\"\tnan\tcat\tdog\tbird\tfish\tB\tanimals\taGVsbG8=\n");
        Benchmark b = ChoiceBenchmarks.mmBench(tsv, true, false);
        assertEquals(4, b.items().size());
        assertEquals(
                "What is \"it\"?\nA. cat\nB. dog\nC. bird\nD. fish\n"
                        + "Answer with the option's letter from the given choices directly.",
                b.items().get(0).prompt());
        Map<String, String> right = new HashMap<>();
        for (EvalItem item : b.items()) { // answer with the letter dog has in this rotation
            String[] lines = item.prompt().split("\n");
            for (String line : lines) {
                if (line.endsWith(". dog")) {
                    right.put(item.id(), line.substring(0, 1));
                }
            }
        }
        assertEquals(100.0, b.score(right).metrics().get("accuracy"), 1e-9);
        Map<String, String> oneWrong = new HashMap<>(right);
        oneWrong.put("7@2", "A");
        assertEquals(0.0, b.score(oneWrong).metrics().get("accuracy"), 1e-9);
        assertEquals(
                100.0,
                ChoiceBenchmarks.mmBench(tsv, false, false)
                        .score(Map.of("7@0", "B"))
                        .metrics()
                        .get("accuracy"));
        assertEquals("hello", new String(b.items().get(0).image().read()));
        assertEquals(List.of("C", "D", "A", "B"), ChoiceBenchmarks.rotate(List.of("A", "B", "C", "D"), 2));
    }

    @Test
    void mmBenchAsksTheJudgeOnlyForAnswersTheRulesCannotRead(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("mmbench_dev_en.tsv");
        StringBuilder rows = new StringBuilder("index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n");
        for (int i = 1; i <= 4; i++) {
            rows.append(i).append("\tWhat is it?\tnan\tcat\tdog\tbird\tfish\tB\tanimals\t\n");
        }
        Files.writeString(tsv, rows.toString());
        try (StandInJudge judge = new StandInJudge(body -> body.contains("Answer: a small puppy")
                ? "B"
                : body.contains("Answer: spider") ? "Z" : "I cannot tell")) {
            Benchmark b = ChoiceBenchmarks.mmBench(tsv, false, false, judge.client());
            List<String> prompts = judge.prompts();
            Score s = b.score(Map.of("1@0", "B", "2@0", "a small puppy", "3@0", "spider", "4@0", "no idea"));
            assertEquals(50.0, s.metrics().get("accuracy"), 1e-9); // the letter by rule, the puppy by the judge
            assertEquals(
                    1 + 1 + 3,
                    prompts.size(),
                    "not for 'B'; once for the puppy and the spider (Z); thrice for no letter");
            String puppy = prompts.stream()
                    .filter(p -> p.contains("puppy"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    puppy.contains("Question: What is it??\\nOptions: There are several options: \\nA. cat\\nB. dog\\n"
                            + "C. bird\\nD. fish\\n\\nAnswer: a small puppy\\nYour output: "),
                    puppy);
            assertEquals(
                    25.0,
                    ChoiceBenchmarks.mmBench(tsv, false, false)
                            .score(Map.of("1@0", "B", "2@0", "a small puppy", "3@0", "spider", "4@0", "no idea"))
                            .metrics()
                            .get("accuracy"),
                    1e-9,
                    "without a judge: the rules alone");
        }
    }

    @Test
    void mmBenchCnUsesTheChineseInstruction(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("mmbench_cn.tsv");
        Files.writeString(tsv, "index\tquestion\thint\tA\tB\tanswer\tcategory\timage\n1\t这是什么?\t提示\t猫\t狗\tA\tx\t\n");
        EvalItem item = ChoiceBenchmarks.mmBench(tsv, false, true).items().get(0);
        assertEquals("提示\n这是什么?\nA. 猫\nB. 狗\n" + ChoiceBenchmarks.LETTER_ANSWER_CN, item.prompt());
    }

    @Test
    void badRowsAreRefusedWithTheFileAndQuestion(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("bad.tsv");
        Files.writeString(tsv, "index\tquestion\tA\tB\tanswer\n3\tq\tx\ty\tC\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class, () -> ChoiceBenchmarks.mmBench(tsv, true, false));
        org.junit.jupiter.api.Assertions.assertTrue(
                e.getMessage().contains("bad.tsv") && e.getMessage().contains("question 3"), e.getMessage());
    }
}
