package org.invllava.evaluation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChoiceBenchmarksTest {
    @Test
    void mmBenchCircularCountsAQuestionOnlyWhenEveryRotationIsRight(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("mmbench_dev_en.tsv");
        Files.writeString(tsv, "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n"
                + "7\t\"What is \"\"it\"\"?\"\tnan\tcat\tdog\tbird\tfish\tB\tanimals\taGVsbG8=\n");
        Benchmark b = ChoiceBenchmarks.mmBench(tsv, true, false);
        assertEquals(4, b.items().size());
        assertEquals("What is \"it\"?\nA. cat\nB. dog\nC. bird\nD. fish\n"
                + "Answer with the option's letter from the given choices directly.", b.items().get(0).prompt());
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
        assertEquals(100.0, ChoiceBenchmarks.mmBench(tsv, false, false).score(Map.of("7@0", "B")).metrics().get("accuracy"));
        assertEquals("hello", new String(b.items().get(0).image().read()));
        assertEquals(List.of("C", "D", "A", "B"), ChoiceBenchmarks.rotate(List.of("A", "B", "C", "D"), 2));
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
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ChoiceBenchmarks.mmBench(tsv, true, false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("bad.tsv") && e.getMessage().contains("question 3"),
                e.getMessage());
    }
}
