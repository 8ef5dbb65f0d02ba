package org.invllava.training;

import java.util.List;

/** Summaries of a loss history. */
final class Losses {
    private Losses() {}

    /** The mean of the last {@code n} values (all when fewer); NaN when empty. */
    static double tailMean(List<Double> losses, int n) {
        if (losses.isEmpty()) {
            return Double.NaN;
        }
        List<Double> tail = losses.subList(Math.max(0, losses.size() - n), losses.size());
        return tail.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
