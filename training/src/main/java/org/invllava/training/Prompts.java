package org.invllava.training;

import org.invllava.evaluation.world.WorldQuestion;

/** Which training prompts leave out the benchmarks' answer-format instruction. */
final class Prompts {
    private Prompts() {
    }

    /** Half the questions, chosen by their id (the same ones in every stage and run). */
    static boolean bare(WorldQuestion q) {
        return (q.id().hashCode() & 1) == 0;
    }
}
