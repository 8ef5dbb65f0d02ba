package org.invllava.evaluation.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Mean of per-question scores (0..1), overall and per category. */
public final class Tally {
    private final Map<String, double[]> byCategory = new TreeMap<>();
    private double sum;
    private int count;

    public void add(String category, double score) {
        double[] c = byCategory.computeIfAbsent(category, k -> new double[2]);
        c[0] += score;
        c[1]++;
        sum += score;
        count++;
    }

    public int count() {
        return count;
    }

    /** The mean over every question (0 when none). */
    public double mean() {
        return count == 0 ? 0 : sum / count;
    }

    /** Category → mean, in category order. */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        byCategory.forEach((k, v) -> out.put(k, v[0] / v[1]));
        return out;
    }
}
