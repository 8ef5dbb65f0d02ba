package org.invllava.evaluation.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * MME's scores (its {@code eval_tool/calculation.py}): per category, acc = share of questions right, acc+ = share of
 * images with both questions right, score = 100·acc + 100·acc+; perception = the sum over the ten perception
 * categories present, cognition over the four cognition ones. Answers are read with {@link YesNo#mme}.
 */
public final class MmeScore {
    public static final Set<String> PERCEPTION = Set.of(
            "existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR");
    public static final Set<String> COGNITION =
            Set.of("commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning");

    /** One answered MME question: its category, image, gold label (yes/no) and the model's answer. */
    public record Answered(String category, String image, String gold, String prediction) {}

    private MmeScore() {}

    public static Score of(List<Answered> answers) {
        Map<String, Map<String, boolean[]>> byCategory = new TreeMap<>(); // category → image → [all right, seen]
        Map<String, int[]> counts = new TreeMap<>(); // category → [right, total]
        for (Answered a : answers) {
            YesNo.Label gold = YesNo.mme(a.gold());
            boolean right = gold != YesNo.Label.OTHER && YesNo.mme(a.prediction()) == gold;
            int[] c = counts.computeIfAbsent(a.category(), k -> new int[2]);
            c[0] += right ? 1 : 0;
            c[1]++;
            boolean[] image = byCategory
                    .computeIfAbsent(a.category(), k -> new TreeMap<>())
                    .computeIfAbsent(a.image(), k -> new boolean[] {true});
            image[0] &= right;
        }
        Map<String, Map<String, Double>> categories = new LinkedHashMap<>();
        double perception = 0;
        double cognition = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            Map<String, boolean[]> images = byCategory.get(e.getKey());
            double acc = 100.0 * e.getValue()[0] / e.getValue()[1];
            double accPlus = 100.0 * images.values().stream().filter(b -> b[0]).count() / images.size();
            double score = acc + accPlus;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("score", score);
            m.put("acc", acc);
            m.put("acc_plus", accPlus);
            categories.put(e.getKey(), m);
            perception += PERCEPTION.contains(e.getKey()) ? score : 0;
            cognition += COGNITION.contains(e.getKey()) ? score : 0;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("perception", perception);
        metrics.put("cognition", cognition);
        metrics.put("total", perception + cognition);
        return new Score("mme", metrics, categories, answers.size());
    }
}
