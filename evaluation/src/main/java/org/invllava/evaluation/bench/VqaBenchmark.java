package org.invllava.evaluation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.VqaAccuracy;
import org.invllava.evaluation.world.WorldQuestion;

/**
 * Open questions scored with the soft VQA accuracy over the human answers as each benchmark's official scorer
 * compares them ({@link VqaAccuracy}): VQAv2, TextVQA and VizWiz, each read from its own public layout. Prompts as in LLaVA's evaluation.
 */
public final class VqaBenchmark {
    /** VizWiz's instruction for questions the picture cannot answer (LLaVA's VizWiz prompt). */
    static final String UNANSWERABLE = "When the provided information is insufficient, respond with 'Unanswerable'.";

    private VqaBenchmark() {}

    /** How an answer is scored against its question's human answers ({@link VqaAccuracy}'s two rules). */
    private interface Rule {
        double score(String answer, List<String> humanAnswers);
    }

    /** Each answer scored with the soft VQA accuracy against its question's human answers, by {@code rule}. */
    private static Benchmark of(String name, List<EvalItem> items, Map<String, List<String>> humanAnswers, Rule rule) {
        return Benchmarks.perQuestion(name, items, (item, answer) -> rule.score(answer, humanAnswers.get(item.id())));
    }

    /**
     * VQAv2: the questions file ({@code {"questions": [{image_id, question, question_id}]}}), the annotations file
     * ({@code {"annotations": [{question_id, answers: [{answer}], answer_type}]}}) and the images, named by
     * {@code imagePattern} formatted with the image id (COCO: {@code COCO_val2014_%012d.jpg}). Categories: answer types.
     */
    public static Benchmark vqav2(Path questions, Path annotations, Path images, String imagePattern)
            throws IOException {
        Map<String, JsonNode> byQuestion = new HashMap<>();
        for (JsonNode a : Json.read(annotations).path("annotations")) {
            byQuestion.put(Json.text(a, annotations, "question_id"), a);
        }
        List<EvalItem> items = new ArrayList<>();
        Map<String, List<String>> gold = new HashMap<>();
        for (JsonNode q : Json.read(questions).path("questions")) {
            String id = Json.text(q, questions, "question_id");
            JsonNode a = byQuestion.get(id);
            if (a == null) {
                throw new IOException(annotations + ": no annotation for question " + id);
            }
            long imageId = q.path("image_id").asLong();
            items.add(new EvalItem(
                    id,
                    a.path("answer_type").asText("all"),
                    Json.text(q, questions, "question") + "\n" + WorldQuestion.SHORT_ANSWER,
                    ImageSource.file(images.resolve(String.format(imagePattern, imageId)))));
            gold.put(id, humanAnswers(a, annotations));
        }
        return of("vqav2", items, gold, VqaAccuracy::of);
    }

    /** TextVQA: {@code {"data": [{question_id, question, image_id, answers: [..]}]}}, images {@code <image_id>.jpg}. */
    public static Benchmark textVqa(Path file, Path images) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Map<String, List<String>> gold = new HashMap<>();
        for (JsonNode q : Json.read(file).path("data")) {
            String id = Json.text(q, file, "question_id");
            items.add(new EvalItem(
                    id,
                    "all",
                    Json.text(q, file, "question") + "\n" + WorldQuestion.SHORT_ANSWER,
                    ImageSource.file(Formats.imageFile(images, Json.text(q, file, "image_id")))));
            gold.put(id, humanAnswers(q, file));
        }
        return of("textvqa", items, gold, VqaAccuracy::bothNormalised);
    }

    /**
     * VizWiz: a JSON list of {@code {image, question, answers: [{answer}], answer_type}} with images in
     * {@code images}; the question id is the image name. "unanswerable" is an answer like any other.
     */
    public static Benchmark vizWiz(Path file, Path images) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Map<String, List<String>> gold = new HashMap<>();
        for (JsonNode q : Json.read(file)) {
            String image = Json.text(q, file, "image");
            items.add(new EvalItem(
                    image,
                    q.path("answer_type").asText("all"),
                    Json.text(q, file, "question") + "\n" + UNANSWERABLE + "\n" + WorldQuestion.SHORT_ANSWER,
                    ImageSource.file(images.resolve(image))));
            gold.put(image, humanAnswers(q, file));
        }
        return of("vizwiz", items, gold, VqaAccuracy::of);
    }

    private static List<String> humanAnswers(JsonNode node, Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode a : node.path("answers")) {
            out.add(a.isTextual() ? a.asText() : Json.text(a, file, "answer"));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": question without human answers: " + node);
        }
        return out;
    }
}
