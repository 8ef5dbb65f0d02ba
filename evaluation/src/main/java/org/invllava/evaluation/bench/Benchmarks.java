package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleBiFunction;
import org.invllava.evaluation.metrics.Tally;

/** Helpers shared by the benchmark readers. */
final class Benchmarks {
    private Benchmarks() {}

    /**
     * A benchmark scored question by question: {@code score(item, answer)} in 0..1, averaged overall and per
     * category as an accuracy in percent.
     */
    static Benchmark perQuestion(String name, List<EvalItem> items, ToDoubleBiFunction<EvalItem, String> score) {
        return new ScoredBenchmark(name, items, answers -> {
            Tally tally = new Tally();
            for (EvalItem item : asked(items, answers)) {
                tally.add(item.category(), score.applyAsDouble(item, answers.get(item.id())));
            }
            return Scores.accuracy(name, tally);
        });
    }

    /**
     * Asks {@code judge} {@code prompt} until {@code read} makes sense of a reply, at most {@code attempts} times (a
     * failed call counts as one), as the benchmarks' own evaluators do; empty when no reply was readable.
     */
    static <T> Optional<T> askJudge(Answerer judge, String prompt, int attempts, Function<String, Optional<T>> read) {
        for (int attempt = 0; attempt < attempts; attempt++) {
            try {
                Optional<T> value = read.apply(judge.answer(prompt, null));
                if (value.isPresent()) {
                    return value;
                }
            } catch (Exception e) {
                // asked again
            }
        }
        return Optional.empty();
    }

    /** The questions that have an answer (were asked), in order. */
    static List<EvalItem> asked(List<EvalItem> items, Map<String, String> answers) {
        return items.stream().filter(i -> answers.containsKey(i.id())).toList();
    }
}
