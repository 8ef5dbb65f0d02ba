package org.invllava.evaluation.world;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes samples of the world as files in the public benchmarks' formats, so the eval harness reads them exactly
 * as it reads the real ones. Layout under the split's folder:
 * <pre>
 * images/&lt;id&gt;.png                      the pictures
 * questions.jsonl                         every question (plain jsonl: question_id, image, question, answer, category)
 * vqav2/questions.json, annotations.json  open questions (color, count, position), VQAv2 layout, ten equal answers
 * gqa/questions.json                      color, position, presence, GQA layout (structural type = kind)
 * pope/pope_random.json                   presence questions, POPE jsonl (question_id, image, text, label)
 * mme/&lt;category&gt;/images, questions_answers_YN   MME layout: existence, count, position, color pairs
 * scienceqa/problems.json, pid_splits.json, images/&lt;split&gt;/&lt;pid&gt;/image.png   choice questions
 * mmbench/mmbench.tsv                     choice questions, MMBench TSV (base64 images)
 * </pre>
 */
public final class WorldExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WorldExport() {}

    /** Writes {@code samples} of {@code split} under {@code dir}; returns the number of questions written. */
    public static int write(World.Split split, List<World.Sample> samples, Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        for (World.Sample s : samples) {
            Files.write(images.resolve(s.imageId() + ".png"), s.scene().png());
        }
        int questions = writeJsonl(samples, dir.resolve("questions.jsonl"));
        writeVqa(samples, Files.createDirectories(dir.resolve("vqav2")));
        writeGqa(samples, Files.createDirectories(dir.resolve("gqa")));
        writePope(samples, Files.createDirectories(dir.resolve("pope")));
        writeMme(samples, dir.resolve("mme"));
        writeScienceQa(split, samples, dir.resolve("scienceqa"));
        writeMmBench(samples, Files.createDirectories(dir.resolve("mmbench")));
        return questions;
    }

    private static int writeJsonl(List<World.Sample> samples, Path file) throws IOException {
        int n = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (World.Sample s : samples) {
                for (WorldQuestion q : s.questions()) {
                    ObjectNode line = JSON.createObjectNode()
                            .put("question_id", q.id())
                            .put("image", "images/" + s.imageId() + ".png")
                            .put("question", q.prompt())
                            .put("answer", q.answer())
                            .put("category", q.kind().label());
                    out.write(JSON.writeValueAsString(line));
                    out.write('\n');
                    n++;
                }
            }
        }
        return n;
    }

    private static void writeVqa(List<World.Sample> samples, Path dir) throws IOException {
        ObjectNode questions = JSON.createObjectNode();
        ArrayNode qs = questions.putArray("questions");
        ObjectNode annotations = JSON.createObjectNode();
        ArrayNode as = annotations.putArray("annotations");
        forEach(
                samples,
                k -> k == QuestionKind.COLOR || k == QuestionKind.COUNT || k == QuestionKind.POSITION,
                (s, q, id) -> {
                    qs.addObject()
                            .put("image_id", imageNumber(s))
                            .put("question", q.question())
                            .put("question_id", id);
                    ObjectNode a = as.addObject()
                            .put("question_id", id)
                            .put("image_id", imageNumber(s))
                            .put("question_type", q.kind().label())
                            .put("answer_type", q.kind() == QuestionKind.COUNT ? "number" : "other")
                            .put("multiple_choice_answer", q.answer());
                    ArrayNode answers = a.putArray("answers");
                    for (int i = 1; i <= 10; i++) {
                        answers.addObject()
                                .put("answer", q.answer())
                                .put("answer_confidence", "yes")
                                .put("answer_id", i);
                    }
                });
        JSON.writeValue(dir.resolve("questions.json").toFile(), questions);
        JSON.writeValue(dir.resolve("annotations.json").toFile(), annotations);
    }

    private static void writeGqa(List<World.Sample> samples, Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        forEach(
                samples,
                k -> k == QuestionKind.COLOR || k == QuestionKind.POSITION || k == QuestionKind.PRESENCE,
                (s, q, id) -> {
                    ObjectNode o = root.putObject(String.valueOf(id))
                            .put("imageId", s.imageId())
                            .put("question", q.question())
                            .put("answer", q.answer())
                            .put("fullAnswer", q.answer());
                    o.putObject("types")
                            .put("structural", q.kind() == QuestionKind.PRESENCE ? "verify" : "query")
                            .put("semantic", q.kind().label())
                            .put("detailed", q.kind().label());
                });
        JSON.writeValue(dir.resolve("questions.json").toFile(), root);
    }

    private static void writePope(List<World.Sample> samples, Path dir) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("pope_random.json"), StandardCharsets.UTF_8)) {
            for (World.Sample s : samples) {
                for (WorldQuestion q : s.questions()) {
                    if (q.kind() == QuestionKind.PRESENCE) {
                        out.write(JSON.writeValueAsString(JSON.createObjectNode()
                                .put("question_id", q.id())
                                .put("image", s.imageId() + ".png")
                                .put("text", q.question())
                                .put("label", q.answer())));
                        out.write('\n');
                    }
                }
            }
        }
    }

    private static void writeMme(List<World.Sample> samples, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (World.Sample s : samples) {
            for (YesNoPair pair : s.yesNoPairs()) {
                Path category = dir.resolve(pair.category());
                Path images = Files.createDirectories(category.resolve("images"));
                Path qa = Files.createDirectories(category.resolve("questions_answers_YN"));
                Files.write(images.resolve(s.imageId() + ".png"), s.scene().png());
                Files.writeString(
                        qa.resolve(s.imageId() + ".txt"),
                        pair.yes() + " " + WorldQuestion.YES_NO_ANSWER + "\tYes\n" + pair.no() + " "
                                + WorldQuestion.YES_NO_ANSWER + "\tNo\n",
                        StandardCharsets.UTF_8);
            }
        }
    }

    private static void writeScienceQa(World.Split split, List<World.Sample> samples, Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode problems = JSON.createObjectNode();
        ArrayNode ids = JSON.createArrayNode();
        for (World.Sample s : samples) {
            for (WorldQuestion q : s.questions()) {
                if (q.kind() != QuestionKind.CHOICE) {
                    continue;
                }
                String pid = q.id();
                Path image = Files.createDirectories(
                        dir.resolve("images").resolve(split.label()).resolve(pid));
                Files.write(image.resolve("image.png"), s.scene().png());
                ObjectNode p = problems.putObject(pid)
                        .put("question", q.question())
                        .put("answer", q.answer().charAt(0) - 'A')
                        .put("hint", "")
                        .put("image", "image.png")
                        .put("task", "closed choice")
                        .put("split", split.label())
                        .put("subject", "synthetic")
                        .put("category", q.kind().label());
                ArrayNode choices = p.putArray("choices");
                q.choices().forEach(choices::add);
                ids.add(pid);
            }
        }
        JSON.writeValue(dir.resolve("problems.json").toFile(), problems);
        JSON.writeValue(
                dir.resolve("pid_splits.json").toFile(), JSON.createObjectNode().set(split.label(), ids));
    }

    private static void writeMmBench(List<World.Sample> samples, Path dir) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("mmbench.tsv"), StandardCharsets.UTF_8)) {
            out.write("index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n");
            int index = 0;
            for (World.Sample s : samples) {
                for (WorldQuestion q : s.questions()) {
                    if (q.kind() != QuestionKind.CHOICE) {
                        continue;
                    }
                    out.write(index++ + "\t" + q.question() + "\tnan\t" + String.join("\t", q.choices()) + "\t"
                            + q.answer() + "\t" + q.kind().label() + "\t"
                            + Base64.getEncoder().encodeToString(s.scene().png()) + "\n");
                }
            }
        }
    }

    /** The image's number within its split (VQA's integer image ids). */
    private static int imageNumber(World.Sample s) {
        return Integer.parseInt(s.imageId().substring(s.imageId().indexOf('-') + 1));
    }

    private interface QuestionSink {
        void accept(World.Sample sample, WorldQuestion question, int numericId);
    }

    /** The questions of the chosen kinds, numbered from 0 in order (VQA/GQA ids are numbers). */
    private static void forEach(List<World.Sample> samples, Predicate<QuestionKind> kinds, QuestionSink sink) {
        int id = 0;
        for (World.Sample s : samples) {
            for (WorldQuestion q : s.questions()) {
                if (kinds.test(q.kind())) {
                    sink.accept(s, q, id++);
                }
            }
        }
    }

    /** VQAv2's image file name pattern for this export ({@code String.format} with the image number). */
    public static String vqaImagePattern(String splitLabel) {
        return splitLabel + "-%06d.png";
    }
}
