package org.invllava.evaluation.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.evaluation.report.EvalReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code world} then {@code eval} on the bundled demo model, in-process: the files a user gets. */
class EvalCommandTest {
    @Test
    void worldThenEvalWritesResultsTableChartAndAnswers(@TempDir Path dir) throws Exception {
        Path world = dir.resolve("world");
        assertEquals(
                0,
                new CommandLine(new WorldCommand())
                        .execute("--out", world.toString(), "--train", "2", "--val", "2", "--test", "6"));
        Path out = dir.resolve("eval");
        int code = new CommandLine(new EvalCommand())
                .execute(
                        "--world",
                        world.resolve("test").toString(),
                        "--limit",
                        "8",
                        "--out",
                        out.toString(),
                        "--work-dir",
                        dir.resolve("work").toString(),
                        "--label",
                        "demo");
        assertEquals(0, code);
        EvalReport report = EvalReport.read(out.resolve("results.json"));
        assertEquals("demo", report.model());
        assertEquals(
                List.of("jsonl", "vqav2", "gqa", "pope", "mme", "scienceqa", "mmbench", "jsonl-shifted"),
                report.benchmarks().stream().map(EvalReport.Entry::benchmark).toList());
        report.benchmarks().forEach(e -> {
            assertEquals(0, e.errors(), e.toString());
            assertTrue(e.questions() > 0 && e.questions() <= 8, e.toString());
        });
        assertTrue(Files.readString(out.resolve("results.md")).contains("| jsonl | all | accuracy |"));
        assertTrue(Files.size(out.resolve("results.png")) > 2000);
        assertEquals(8, Files.readAllLines(out.resolve("answers-jsonl.jsonl")).size());

        Path again = dir.resolve("eval2"); // compared with the first run: two model columns
        assertEquals(
                0,
                new CommandLine(new EvalCommand())
                        .execute(
                                "--world",
                                world.resolve("test").toString(),
                                "--limit",
                                "4",
                                "--out",
                                again.toString(),
                                "--work-dir",
                                dir.resolve("work").toString(),
                                "--compare",
                                out.resolve("results.json").toString()));
        assertTrue(Files.readString(again.resolve("results.md"))
                .startsWith("| benchmark | category | metric | inverse-llava | demo |"));
    }

    @Test
    void aDpaCheckpointIsEvaluatedInProcess(@TempDir Path dir) throws Exception {
        Path world = dir.resolve("world");
        assertEquals(
                0,
                new CommandLine(new WorldCommand())
                        .execute(
                                "--out",
                                world.toString(),
                                "--train",
                                "2",
                                "--val",
                                "2",
                                "--test",
                                "3",
                                "--no-shifted"));
        Path dpa = Path.of("../runtime/src/test/resources/golden/tiny-dpa"); // a random tiny DPA: answers are noise
        Path out = dir.resolve("eval");
        int code = new CommandLine(new EvalCommand())
                .execute(
                        "--world",
                        world.resolve("test").toString(),
                        "--limit",
                        "4",
                        "--max-tokens",
                        "3",
                        "--out",
                        out.toString(),
                        "--dpa-model",
                        dpa.resolve("separated").toString(),
                        "--dpa-refs",
                        dpa.resolve("refs").toString());
        assertEquals(0, code);
        EvalReport report = EvalReport.read(out.resolve("results.json"));
        assertEquals("dpa", report.model());
        report.benchmarks().forEach(e -> {
            assertEquals(0, e.errors(), e.toString()); // every question answered (noise: the model is random)
            assertTrue(e.questions() > 0 && e.questions() <= 4, e.toString());
        });
        assertEquals(4, Files.readAllLines(out.resolve("answers-jsonl.jsonl")).size());
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path dir) {
        CommandLine cmd = new CommandLine(new EvalCommand());
        java.io.StringWriter err = new java.io.StringWriter();
        cmd.setErr(new java.io.PrintWriter(err));
        assertEquals(1, cmd.execute("--format", "pope", "--data", "x.json", "--out", dir.toString()));
        assertTrue(err.toString().contains("--images"), err.toString());
    }
}
