package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.Score;

/** A benchmark read from its public file format: the questions to ask and how to score the answers. */
public interface Benchmark {
    /** The benchmark's name in reports ("mme", "pope", "vqav2", ...). */
    String name();

    /** The questions, each with a unique id. */
    List<EvalItem> items();

    /**
     * Scores the answers by question id. Questions absent from {@code answers} were not asked (a run cut short with
     * {@code --limit}) and are left out; a failed question is present with an empty answer and counts as wrong.
     */
    Score score(Map<String, String> answers);
}
