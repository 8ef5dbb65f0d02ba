package org.invllava.evaluation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.invllava.evaluation.metrics.MmeScore;
import org.invllava.evaluation.metrics.PopeScore;
import org.invllava.evaluation.world.WorldQuestion;

/** The yes/no benchmarks: POPE (object hallucination) and MME (paired questions per image). */
public final class YesNoBenchmarks {
    private YesNoBenchmarks() {}

    /**
     * POPE: jsonl files of {@code {question_id, image, text, label}} (one per split: {@code coco_pope_random.json},
     * ..._popular, ..._adversarial; the category is the part after the last underscore), images in {@code images}.
     */
    public static Benchmark pope(List<Path> files, Path images) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Map<String, String[]> gold = new java.util.HashMap<>(); // id → [category, label]
        for (Path file : files) {
            String stem = file.getFileName().toString().replaceFirst("\\.jsonl?$", "");
            String category = stem.substring(stem.lastIndexOf('_') + 1);
            for (JsonNode q : Json.lines(file)) {
                String id = category + "/" + Json.text(q, file, "question_id");
                items.add(new EvalItem(
                        id,
                        category,
                        Json.text(q, file, "text") + "\n" + WorldQuestion.SHORT_ANSWER,
                        ImageSource.file(images.resolve(Json.text(q, file, "image")))));
                gold.put(id, new String[] {category, Json.text(q, file, "label", "answer")});
            }
        }
        return new ScoredBenchmark(
                "pope",
                items,
                answers -> PopeScore.of(Benchmarks.asked(items, answers).stream()
                        .map(i -> new PopeScore.Answered(gold.get(i.id())[0], gold.get(i.id())[1], answers.get(i.id())))
                        .toList()));
    }

    /**
     * MME: a folder per category, each with its images and, per image, a {@code .txt} of "question\tYes|No" lines,
     * either side by side or in {@code images/} and {@code questions_answers_YN/}. Questions are asked as written.
     */
    public static Benchmark mme(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": MME folder not found");
        }
        List<EvalItem> items = new ArrayList<>();
        Map<String, MmeScore.Answered> gold = new java.util.HashMap<>();
        try (Stream<Path> categories = Files.list(root)) {
            for (Path category : categories.filter(Files::isDirectory).sorted().toList()) {
                Path qa = Files.isDirectory(category.resolve("questions_answers_YN"))
                        ? category.resolve("questions_answers_YN")
                        : category;
                Path images = Files.isDirectory(category.resolve("images")) ? category.resolve("images") : category;
                String name = category.getFileName().toString();
                try (Stream<Path> txts = Files.list(qa)) {
                    for (Path txt : txts.filter(p -> p.toString().endsWith(".txt"))
                            .sorted()
                            .toList()) {
                        String stem = txt.getFileName().toString().replaceFirst("\\.txt$", "");
                        Path image = Formats.imageFile(images, stem);
                        List<String> lines = Files.readAllLines(txt, StandardCharsets.UTF_8);
                        for (int i = 0; i < lines.size(); i++) {
                            String[] parts = lines.get(i).split("\t");
                            if (lines.get(i).isBlank()) {
                                continue;
                            }
                            if (parts.length < 2) {
                                throw new IOException(txt + ":" + (i + 1) + ": expected \"question<TAB>Yes|No\"");
                            }
                            String id = name + "/" + stem + "/" + i;
                            items.add(new EvalItem(id, name, parts[0].strip(), ImageSource.file(image)));
                            gold.put(id, new MmeScore.Answered(name, stem, parts[1].strip(), ""));
                        }
                    }
                }
            }
        }
        return new ScoredBenchmark(
                "mme",
                items,
                answers -> MmeScore.of(Benchmarks.asked(items, answers).stream()
                        .map(i -> {
                            MmeScore.Answered g = gold.get(i.id());
                            return new MmeScore.Answered(g.category(), g.image(), g.gold(), answers.get(i.id()));
                        })
                        .toList()));
    }
}
