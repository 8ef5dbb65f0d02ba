package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;

/** Helpers shared by the benchmark readers. */
final class Benchmarks {
    private Benchmarks() {
    }

    /**
     * A benchmark scored question by question: {@code score(item, answer)} in 0..1, averaged overall and per
     * category as an accuracy in percent.
     */
    static Benchmark perQuestion(String name, List<EvalItem> items, java.util.function.ToDoubleBiFunction<EvalItem, String> score) {
        return new ScoredBenchmark(name, items, answers -> {
            org.invllava.evaluation.metrics.Tally tally = new org.invllava.evaluation.metrics.Tally();
            for (EvalItem item : asked(items, answers)) {
                tally.add(item.category(), score.applyAsDouble(item, answers.get(item.id())));
            }
            return Scores.accuracy(name, tally);
        });
    }

    /** The questions that have an answer (were asked), in order. */
    static List<EvalItem> asked(List<EvalItem> items, Map<String, String> answers) {
        return items.stream().filter(i -> answers.containsKey(i.id())).toList();
    }
}
