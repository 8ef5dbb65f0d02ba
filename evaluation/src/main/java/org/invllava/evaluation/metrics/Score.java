package org.invllava.evaluation.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A benchmark's result: its headline metrics (name → value; accuracies in percent, MME scores in points), the same
 * per category, and how many questions were asked.
 */
public record Score(
        String benchmark, Map<String, Double> metrics, Map<String, Map<String, Double>> categories, int questions) {
    public Score {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        categories = Collections.unmodifiableMap(new LinkedHashMap<>(categories));
    }

    /** The headline metric: the first one its benchmark lists. */
    public double headline(String name) {
        Double v = metrics.get(name);
        if (v == null) {
            throw new IllegalArgumentException(benchmark + " has no metric " + name + ": " + metrics.keySet());
        }
        return v;
    }
}
