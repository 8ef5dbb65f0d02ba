package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.Set;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.vision.RgbImage;

/**
 * Greedy decoding of the DPA thinker with its KV cache: the prompt (aligned rows scattered in) in one pass, then
 * one token a step at positions {@code L, L+1, …} (1D rotary, θ from the thinker's config).
 */
public final class Greedy {
    private Greedy() {}

    /** The ids chosen, the first step's logits [V], and when the first and the last id were chosen (nanoTime). */
    public record Result(int[] ids, NDArray firstLogits, long firstNanos, long lastNanos) {}

    /**
     * An answer: the thinker's prompt ids, the ids generated (a final stop id included), the stripped text, when the
     * question was taken and when its first and last ids were chosen (nanoTime: TTFT includes the image's encoding).
     */
    public record Answer(int[] promptIds, int[] ids, String text, long startNanos, long firstNanos, long lastNanos) {}

    /**
     * Answers {@code question} about {@code image} as DPA's evaluation does (greedy, at most {@code maxTokens},
     * ending at {@code <|im_end|>} or {@code <|endoftext|>}, the text stripped).
     */
    public static Answer answer(DpaModel model, RgbImage image, String question, int maxTokens) {
        QwenTokenizer t = model.thinkerTokenizer();
        Set<Integer> stop = Set.of(t.id("<|im_end|>"), t.id("<|endoftext|>"));
        long start = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager()) {
            QwenImageProcessor.Pixels px = model.processor().process(image);
            NDArray aligned = model.align(model.features(m, px));
            int[] prompt = model.thinkerIds(model.imageTokens(px), question);
            Result r = run(model, m, prompt, aligned, maxTokens, stop);
            int[] ids = r.ids();
            int end = ids.length > 0 && stop.contains(ids[ids.length - 1]) ? ids.length - 1 : ids.length;
            String text = t.decode(Arrays.copyOf(ids, end)).strip();
            return new Answer(prompt, ids, text, start, r.firstNanos(), r.lastNanos());
        }
    }

    /** Up to {@code maxTokens} greedy ids, none of {@code stop} continued past (a stop id ends the answer, kept). */
    public static Result run(DpaModel model, NDManager m, int[] promptIds, NDArray aligned, int maxTokens) {
        return run(model, m, promptIds, aligned, maxTokens, Set.of());
    }

    public static Result run(
            DpaModel model, NDManager m, int[] promptIds, NDArray aligned, int maxTokens, Set<Integer> stop) {
        Qwen3Decoder thinker = model.thinker();
        LlamaConfig c = thinker.config();
        int[] out = new int[maxTokens];
        NDArray first = null;
        long firstNanos = 0;
        long lastNanos = 0;
        try (Qwen3Cache cache = thinker.newCache(m)) {
            NDArray x = model.thinkerInput(m, promptIds, aligned); // [L, T]
            int produced = 0;
            while (produced < maxTokens) {
                int past = cache.length();
                long[] positions = new long[(int) x.getShape().get(0)];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = past + i;
                }
                NDArray hidden = thinker.forward(m, x, Rotary.text(m, c.ropeTheta(), c.headDim(), positions), cache);
                NDArray logits = thinker.logits(hidden.get(new NDIndex("-1:"))).reshape(-1); // [V]
                if (first == null) {
                    first = logits;
                }
                int next = (int) logits.argMax().getLong();
                lastNanos = System.nanoTime();
                firstNanos = produced == 0 ? lastNanos : firstNanos;
                out[produced++] = next;
                if (stop.contains(next)) {
                    break;
                }
                x = thinker.embed(m, new int[] {next}); // [1, T]
            }
            return new Result(Arrays.copyOf(out, produced), first, firstNanos, lastNanos);
        }
    }
}
