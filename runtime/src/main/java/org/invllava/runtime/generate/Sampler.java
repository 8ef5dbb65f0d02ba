package org.invllava.runtime.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from float32 logits; deterministic for a given seed and logits sequence. */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public int next(float[] logits) {
        return params.isGreedy() ? argMax(logits) : sample(logits);
    }

    /**
     * Moves the generator past one pick without logits, as {@link #next} would (one draw per sampled token, none
     * when greedy): replaying the tokens an answer already has leaves it where an uninterrupted run would be.
     */
    void skip() {
        if (!params.isGreedy()) {
            random.nextDouble();
        }
    }

    /** Index of the largest logit; the lowest index wins ties, as torch.argmax. */
    public static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int sample(float[] logits) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        double max = logits[order[0]] / params.temperature();
        double[] probs = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(logits[order[i]] / params.temperature() - max);
            total += probs[i];
        }
        // nucleus: smallest prefix whose probability reaches top_p (the top token always stays)
        double cumulative = 0;
        int nucleus = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += probs[i] / total;
            if (cumulative >= params.topP()) {
                nucleus = i + 1;
                break;
            }
        }
        double mass = 0;
        for (int i = 0; i < nucleus; i++) {
            mass += probs[i];
        }
        double r = random.nextDouble() * mass;
        for (int i = 0; i < nucleus; i++) {
            r -= probs[i];
            if (r < 0) {
                return order[i];
            }
        }
        return order[nucleus - 1];
    }

    /** The {@code k} largest logits as (id, logit), largest first, the lower id first among equals. */
    public static TopLogit[] topK(float[] logits, int k) {
        int[] ids = Logprobs.topIds(logits, k);
        TopLogit[] out = new TopLogit[ids.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = new TopLogit(ids[i], logits[ids[i]]);
        }
        return out;
    }

    public record TopLogit(int id, float logit) {}
}
