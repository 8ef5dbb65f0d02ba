package org.invllava.evaluation.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * POPE's metrics (LLaVA's {@code eval_pope.py}) per split file, and over all as papers report it, each metric's mean
 * over the files (with every answer pooled into one table as an extra line, {@link #POOLED}): accuracy, precision,
 * recall and F1 with "yes" as the positive class, and the share of yes answers. Answers are read with
 * {@link YesNo#pope}.
 */
public final class PopeScore {
    /** The line of all files' answers in one table (not what papers report: they average the files). */
    public static final String POOLED = "pooled";

    /** One answered POPE question: its category (the split file: random, popular, adversarial), label, answer. */
    public record Answered(String category, String label, String prediction) {}

    private PopeScore() {}

    public static Score of(List<Answered> answers) {
        Map<String, int[]> byCategory = new TreeMap<>();
        int[] all = new int[4];
        for (Answered a : answers) {
            int cell = (a.label().strip().equalsIgnoreCase("yes") ? 0 : 2)
                    + (YesNo.pope(a.prediction()) == YesNo.Label.YES ? 0 : 1);
            byCategory.computeIfAbsent(a.category(), k -> new int[4])[cell]++;
            all[cell]++;
        }
        Map<String, Map<String, Double>> categories = new LinkedHashMap<>();
        byCategory.forEach((k, v) -> categories.put(k, metrics(v)));
        if (categories.size() > 1) {
            categories.put(POOLED, metrics(all));
        }
        return new Score(
                "pope",
                mean(byCategory.values().stream().map(PopeScore::metrics).toList()),
                categories,
                answers.size());
    }

    /** Each metric's mean over the split files, as papers report POPE's "over all". */
    private static Map<String, Double> mean(List<Map<String, Double>> files) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map<String, Double> file : files) {
            file.forEach((k, v) -> out.merge(k, v / files.size(), Double::sum));
        }
        return out;
    }

    /** From [TP, FN, FP, TN] (cell = gold no·2 + predicted no), in percent. */
    static Map<String, Double> metrics(int[] c) {
        double tp = c[0];
        double fn = c[1];
        double fp = c[2];
        double tn = c[3];
        double total = tp + fn + fp + tn;
        double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("f1", 100 * f1);
        m.put("accuracy", total == 0 ? 0 : 100 * (tp + tn) / total);
        m.put("precision", 100 * precision);
        m.put("recall", 100 * recall);
        m.put("yes_ratio", total == 0 ? 0 : 100 * (tp + fp) / total);
        return m;
    }
}
