package org.invllava.evaluation.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.invllava.evaluation.world.WorldQuestion;

/**
 * Readers of the simpler public formats: a plain jsonl, GQA's questions file. Prompts follow LLaVA's evaluation
 * scripts, so numbers compare with published ones.
 */
public final class Formats {
    private Formats() {}

    /**
     * A jsonl file of {@code {"question_id" | "id", "image", "question" | "text" | "prompt", "answer", "category"}}:
     * the question is asked as written, images are relative to the file's folder (or absolute), the answer must
     * equal the gold one ignoring case, surrounding space and a final period (so the letter "A" stays a letter).
     */
    public static Benchmark jsonl(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        List<EvalItem> items = new ArrayList<>();
        Map<String, String> gold = new HashMap<>();
        for (var node : Json.lines(file)) {
            String id = Json.text(node, file, "question_id", "id");
            String image = node.hasNonNull("image") ? node.get("image").asText() : null;
            items.add(new EvalItem(
                    id,
                    node.path("category").asText("all"),
                    Json.text(node, file, "question", "text", "prompt"),
                    image == null ? ImageSource.none() : ImageSource.file(dir.resolve(image))));
            if (gold.put(id, Json.text(node, file, "answer")) != null) {
                throw new IOException(file + ": question id " + id + " appears twice");
            }
        }
        return exactMatch("jsonl", items, gold);
    }

    /**
     * GQA's balanced questions file ({@code {qid: {imageId, question, answer, types: {structural}}}}) with images
     * {@code <imageId>.jpg} (or .png) in {@code images}; exact match after lower case and a final period dropped
     * (LLaVA's GQA conversion); categories are the structural types.
     */
    public static Benchmark gqa(Path questions, Path images) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Map<String, String> gold = new HashMap<>();
        var root = Json.read(questions);
        var fields = root.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            var q = e.getValue();
            String imageId = Json.text(q, questions, "imageId");
            items.add(new EvalItem(
                    e.getKey(),
                    q.path("types").path("structural").asText("all"),
                    Json.text(q, questions, "question") + "\n" + WorldQuestion.SHORT_ANSWER,
                    ImageSource.file(imageFile(images, imageId))));
            gold.put(e.getKey(), Json.text(q, questions, "answer"));
        }
        return exactMatch("gqa", items, gold);
    }

    /** Right when the answer equals the gold one after {@link #gqaNormalize}. */
    private static Benchmark exactMatch(String name, List<EvalItem> items, Map<String, String> gold) {
        return Benchmarks.perQuestion(
                name, items, (item, answer) -> gqaNormalize(answer).equals(gqaNormalize(gold.get(item.id()))) ? 1 : 0);
    }

    /** Lower case, surrounding space and final periods dropped. */
    static String gqaNormalize(String answer) {
        String a = answer.strip().toLowerCase(Locale.ROOT);
        while (a.endsWith(".")) {
            a = a.substring(0, a.length() - 1);
        }
        return a.strip();
    }

    /** {@code <stem>.jpg}, or the first of .png/.jpeg that exists. */
    static Path imageFile(Path dir, String stem) {
        for (String ext : new String[] {".jpg", ".png", ".jpeg"}) {
            Path p = dir.resolve(stem + ext);
            if (Files.exists(p)) {
                return p;
            }
        }
        return dir.resolve(stem + ".jpg");
    }
}
