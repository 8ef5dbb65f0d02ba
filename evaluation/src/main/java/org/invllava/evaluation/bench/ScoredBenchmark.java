package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.invllava.evaluation.metrics.Score;

/** A benchmark whose scoring is a function of the answers by question id. */
record ScoredBenchmark(String name, List<EvalItem> items, Function<Map<String, String>, Score> scorer)
        implements Benchmark {
    ScoredBenchmark {
        items = List.copyOf(items);
    }

    @Override
    public Score score(Map<String, String> answers) {
        return scorer.apply(answers);
    }
}
