package org.invllava.runtime.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Log probabilities under the model's own distribution at a position: {@code log_softmax(logits)} of the raw logits
 * (before temperature, top-p and any schema mask), as OpenAI's and vLLM's default report them.
 */
public final class Logprobs {
    /** Alternatives per position, at most (OpenAI's {@code top_logprobs} limit). */
    public static final int MAX_TOP = 20;

    private Logprobs() {}

    /** One token and its log probability. */
    public record Entry(int tokenId, float logprob) {}

    /** The token at a position, its log probability, and the most likely tokens there (most likely first). */
    public record Position(Entry token, List<Entry> top) {}

    /** {@code log Σ exp(logits)}, computed stably in double. */
    public static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }

    /** Token {@code id}'s log probability and the {@code top} most likely tokens (0: none) at these logits. */
    public static Position at(float[] logits, int id, int top) {
        double norm = logSumExp(logits);
        List<Entry> best = new ArrayList<>();
        for (int i : topIds(logits, top)) {
            best.add(new Entry(i, (float) (logits[i] - norm)));
        }
        return new Position(new Entry(id, (float) (logits[id] - norm)), List.copyOf(best));
    }

    /**
     * The ids of the {@code k} largest logits, largest first, the lower id first among equals: one pass over the
     * vocabulary keeping a sorted array of k (k ≤ {@link #MAX_TOP}), not a sort of the vocabulary.
     */
    static int[] topIds(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] ids = new int[n];
        int filled = 0;
        for (int i = 0; i < logits.length && n > 0; i++) {
            if (filled == n && logits[i] <= logits[ids[n - 1]]) {
                continue;
            }
            int at = filled < n ? filled++ : n - 1; // insert, dropping the smallest when full
            while (at > 0 && logits[ids[at - 1]] < logits[i]) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
        }
        return ids;
    }
}
