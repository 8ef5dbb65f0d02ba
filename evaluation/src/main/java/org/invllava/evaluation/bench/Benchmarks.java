package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;

/** Helpers shared by the benchmark readers. */
final class Benchmarks {
    private Benchmarks() {
    }

    /** The questions that have an answer (were asked), in order. */
    static List<EvalItem> asked(List<EvalItem> items, Map<String, String> answers) {
        return items.stream().filter(i -> answers.containsKey(i.id())).toList();
    }
}
