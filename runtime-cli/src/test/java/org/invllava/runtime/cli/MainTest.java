package org.invllava.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.Golden;
import org.junit.jupiter.api.Test;

/** The {@code generate} command's JSON contract and its errors: non-zero exit, one line on stderr. */
class MainTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static List<String> generateArgs(String image, String... extra) {
        Path g = Golden.tinyModel();
        List<String> args = new ArrayList<>(List.of(
                "generate",
                "--vision-model",
                g.resolve("vision").toString(),
                "--language-model",
                g.resolve("language").toString(),
                "--fusion-checkpoint",
                g.resolve("inverse-llava").toString(),
                "--prompt",
                "What is in the image?",
                "--device",
                "cpu"));
        if (image != null) {
            args.add("--image");
            args.add(g.resolve(image).toString());
        }
        args.addAll(List.of(extra));
        return args;
    }

    private static JsonNode json(Run r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void jsonOutputMatchesTheGoldenCase() throws Exception {
        JsonNode c = Golden.expected().get("cases").get("image.png");
        JsonNode j = json(run(generateArgs("image.png", "--max-new-tokens", "24", "--output", "json")
                .toArray(String[]::new)));
        assertArrayEquals(
                Golden.ints(Golden.expected().get("prompt_token_ids")), Golden.ints(j.get("prompt_token_ids")));
        assertArrayEquals(Golden.ints(c.get("greedy_token_ids")), Golden.ints(j.get("token_ids")));
        assertEquals(c.get("greedy_text").asText(), j.get("text").asText());
        assertEquals(8, j.get("first_step_top_logits").size());
        assertEquals(
                c.get("first_step_top8_ids").get(0).asInt(),
                j.get("first_step_top_logits").get(0).get("id").asInt());
        assertEquals(
                c.get("first_step_top8_logits").get(7).asDouble(),
                j.get("first_step_top_logits").get(7).get("logit").asDouble(),
                1e-4);
    }

    @Test
    void stopStringEndsTheAnswerBeforeIt() throws Exception {
        JsonNode j = json(run(generateArgs("image.png", "--stop", " brain", "--output", "json")
                .toArray(String[]::new)));
        assertEquals("Fly labels", j.get("text").asText());
        assertEquals(3, j.get("token_ids").size());
    }

    @Test
    void seededSamplingIsReproducible() throws Exception {
        String[] a = generateArgs(
                        "image2.png",
                        "--temperature",
                        "1.0",
                        "--top-p",
                        "0.9",
                        "--seed",
                        "7",
                        "--max-new-tokens",
                        "8",
                        "--output",
                        "json")
                .toArray(String[]::new);
        String[] b = generateArgs(
                        "image2.png",
                        "--temperature",
                        "1.0",
                        "--top-p",
                        "0.9",
                        "--seed",
                        "8",
                        "--max-new-tokens",
                        "8",
                        "--output",
                        "json")
                .toArray(String[]::new);
        JsonNode first = json(run(a));
        assertEquals(first.get("token_ids"), json(run(a)).get("token_ids"));
        assertNotEquals(first.get("token_ids"), json(run(b)).get("token_ids"));
    }

    @Test
    void textOnlyQuestionWorks() throws Exception {
        JsonNode j = json(run(
                generateArgs(null, "--max-new-tokens", "4", "--output", "json").toArray(String[]::new)));
        assertTrue(j.get("prompt_token_ids").toString().indexOf("-200") < 0);
        assertEquals(4, j.get("token_ids").size());
    }

    @Test
    void demoModelIsWrittenAndAnswersItsSampleQuestion(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Run written = run("demo-model", dir.toString());
        assertEquals(0, written.code(), written.err());
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("inverse-llava/COMPLETE")), written.out());
        Run answer = run(
                "generate",
                "--vision-model",
                dir.resolve("vision").toString(),
                "--language-model",
                dir.resolve("language").toString(),
                "--fusion-checkpoint",
                dir.resolve("inverse-llava").toString(),
                "--image",
                dir.resolve("sample.png").toString(), // the sample picture demo-model writes beside it
                "--prompt",
                org.invllava.runtime.demo.BundledDemoModel.SAMPLE_QUESTION,
                "--max-new-tokens",
                "8",
                "--output",
                "json");
        assertEquals(0, answer.code(), answer.err());
        JsonNode j = json(answer);
        assertEquals("blue", j.get("text").asText(), "the trained demo model answers its sample question: " + j);
        assertTrue(j.get("token_ids").size() < 8, "it ends its answer (EOS) before the token limit: " + j);
    }

    @Test
    void randomDemoModelIsWrittenOnRequest(@org.junit.jupiter.api.io.TempDir Path dir) {
        Run written = run("demo-model", dir.toString(), "--random", "--seed", "3");
        assertEquals(0, written.code(), written.err());
        assertTrue(written.out().contains("random weights"), written.out());
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("inverse-llava/COMPLETE")));
    }

    @Test
    void llavaBaselineAnswersAsItsGoldenCase() throws Exception {
        Path g = Golden.tinyLlava();
        JsonNode expected = Golden.expected(g);
        JsonNode j = json(run(
                "generate",
                "--llava-model",
                g.resolve("llava").toString(),
                "--image",
                g.resolve("image2.png").toString(),
                "--prompt",
                expected.get("question").asText(),
                "--device",
                "cpu",
                "--max-new-tokens",
                "24",
                "--output",
                "json"));
        assertArrayEquals(Golden.ints(expected.get("prompt_token_ids")), Golden.ints(j.get("prompt_token_ids")));
        assertArrayEquals(
                Golden.ints(expected.get("cases").get("image2.png").get("greedy_token_ids")),
                Golden.ints(j.get("token_ids")));
        assertOneLineError(
                run(
                        "generate",
                        "--llava-model",
                        g.resolve("llava").toString(),
                        "--language-model",
                        g.resolve("llava").toString(),
                        "--prompt",
                        "x"),
                "not both");
        assertOneLineError(
                run(
                        "generate",
                        "--llava-model",
                        g.resolve("llava").toString(),
                        "--vision-model",
                        g.resolve("llava").toString(),
                        "--prompt",
                        "x"),
                "carries its own vision tower");
    }

    @Test
    void compareAsksEveryGivenModel() {
        Path llava = Golden.tinyLlava();
        JsonNode expected = Golden.expected(llava).get("cases").get("image.png");
        List<String> args = new ArrayList<>(generateArgs(null));
        args.set(0, "compare");
        args.addAll(List.of(
                "--llava-model",
                llava.resolve("llava").toString(),
                "--image",
                llava.resolve("image.png").toString(),
                "--max-new-tokens",
                "24"));
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[2].startsWith("| inverse-llava | "), lines[2]);
        assertTrue(
                lines[3].startsWith(
                        "| llava-1.5 | " + expected.get("expanded_length").asInt() + " | "),
                lines[3]);
        assertTrue(lines[3].endsWith(" | 24 | " + expected.get("greedy_text").asText() + " |"), lines[3]);
        assertOneLineError(run("compare", "--prompt", "x"), "give the models to compare");
    }

    @Test
    void dpaModelAnswersAsItsReferenceCase() throws Exception {
        Path c = Path.of("../runtime/src/test/resources/golden/tiny-dpa"); // committed: built by tools/dpa-golden
        String[] model = {
            "--dpa-model",
            c.resolve("dpa").toString(),
            "--dpa-refs",
            c.resolve("refs").toString()
        };
        List<String> args = new ArrayList<>(
                List.of("generate", "--image", c.resolve("images/large.png").toString()));
        args.addAll(List.of(model));
        args.addAll(List.of("--prompt", "What colour is the square? Answer in one word."));
        args.addAll(List.of("--max-new-tokens", "12", "--output", "json"));
        JsonNode j = json(run(args.toArray(String[]::new)));
        JsonNode want =
                new ObjectMapper().readTree(c.resolve("expected.json").toFile()).at("/cases/large.png");
        // the reference's thinker prompt with vision_start … vision_end as one image slot (its N+2 rows)
        String reference = want.get("thinker_ids").toString();
        String collapsed = reference.replaceAll("309(,312)+,310", "-200");
        assertNotEquals(reference, collapsed);
        assertEquals(collapsed, j.get("prompt_token_ids").toString());
        assertEquals(want.get("greedy_ids"), j.get("token_ids"));
        List<String> textOnly = new ArrayList<>(List.of("generate", "--prompt", "Hi", "--max-new-tokens", "3"));
        textOnly.addAll(List.of(model));
        assertEquals(
                0, run(textOnly.toArray(String[]::new)).code(), "the thinker answers a question without a picture");
        textOnly.addAll(List.of("--llava-model", c.toString()));
        assertOneLineError(run(textOnly.toArray(String[]::new)), "not both");
    }

    @Test
    void compareAsksADpaCheckpoint() throws Exception {
        Path c = Path.of("../runtime/src/test/resources/golden/tiny-dpa"); // committed: built by tools/dpa-golden
        JsonNode want =
                new ObjectMapper().readTree(c.resolve("expected.json").toFile()).at("/cases/large.png");
        Run r = run(
                "compare",
                "--dpa-model",
                c.resolve("separated").toString(),
                "--dpa-refs",
                c.resolve("refs").toString(),
                "--image",
                c.resolve("images/large.png").toString(),
                "--prompt",
                "What colour is the square? Answer in one word.",
                "--max-new-tokens",
                "12");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[2].startsWith("| dpa | " + want.get("thinker_ids").size() + " | "), lines[2]);
        assertTrue(
                lines[2].endsWith(" | 12 | " + want.get("greedy_text").asText().strip() + " |"), lines[2]);
    }

    @Test
    void errorsExitNonZeroWithOneLine() {
        assertOneLineError(run(generateArgs("missing.png").toArray(String[]::new)), "image file not found");
        assertOneLineError(run(generateArgs("image.png", "--dtype", "bfloat16").toArray(String[]::new)), "bfloat16");
        assertOneLineError(run(generateArgs("image.png", "--dtype", "int4").toArray(String[]::new)), "unknown dtype");
        assertOneLineError(run(generateArgs("image.png", "--temperature", "-1").toArray(String[]::new)), "temperature");
        assertOneLineError(run(generateArgs("image.png", "--output", "xml").toArray(String[]::new)), "--output");
        assertOneLineError(run(generateArgs("expected.json").toArray(String[]::new)), "not a PNG or JPEG");
        Run missing = run("generate", "--prompt", "x");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("required"), missing.err());
    }

    private static void assertOneLineError(Run r, String fragment) {
        assertNotEquals(0, r.code());
        assertTrue(r.out().isEmpty(), r.out());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: ") && err.contains(fragment) && !err.contains("\n"), err);
    }
}
