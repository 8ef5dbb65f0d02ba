package org.invllava.evaluation.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.metrics.Tally;

/** Accuracy scores from a {@link Tally}: percent overall and per category. */
final class Scores {
    private Scores() {}

    static Score accuracy(String benchmark, Tally tally) {
        Map<String, Map<String, Double>> categories = new LinkedHashMap<>();
        tally.means().forEach((k, v) -> categories.put(k, Map.of("accuracy", 100 * v)));
        return new Score(benchmark, Map.of("accuracy", 100 * tally.mean()), categories, tally.count());
    }
}
