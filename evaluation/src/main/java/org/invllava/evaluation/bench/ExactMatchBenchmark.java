package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.metrics.Tally;

/** Questions with one gold answer each, scored by a comparison rule (1 or 0): accuracy in percent, per category. */
final class ExactMatchBenchmark implements Benchmark {
    private final String name;
    private final List<EvalItem> items;
    private final Map<String, String> gold;
    private final UnaryOperator<String> normalize;

    /** {@code normalize} maps both the answer and the gold answer before they are compared. */
    ExactMatchBenchmark(String name, List<EvalItem> items, Map<String, String> gold, UnaryOperator<String> normalize) {
        this.name = name;
        this.items = List.copyOf(items);
        this.gold = Map.copyOf(gold);
        this.normalize = normalize;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<EvalItem> items() {
        return items;
    }

    @Override
    public Score score(Map<String, String> answers) {
        Tally tally = new Tally();
        for (EvalItem item : Benchmarks.asked(items, answers)) {
            String answer = normalize.apply(answers.get(item.id()));
            tally.add(item.category(), answer.equals(normalize.apply(gold.get(item.id()))) ? 1 : 0);
        }
        return Scores.accuracy(name, tally);
    }
}
