package org.invllava.runtime.dpa;

import java.util.Arrays;
import java.util.Set;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;

/**
 * Greedy decoding of the DPA thinker on the serving engine's decoder: the prompt (its image span one slot of the
 * aligned rows) in one prefill, then one token a step through the sequence's KV cache.
 */
public final class Greedy {
    private Greedy() {}

    /** The ids chosen, the first step's logits [V], and when the first and the last id were chosen (nanoTime). */
    public record Result(int[] ids, float[] firstLogits, long firstNanos, long lastNanos) {}

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
        Set<Integer> stop = Set.of(t.id(DpaPrompts.IM_END), t.id(DpaPrompts.END_OF_TEXT));
        long start = System.nanoTime();
        PatchFeatures rows = model.encode(image); // [N+2, T]
        int[] prompt = model.thinkerIds(rows.patches() - 2, question);
        Result r = run(model, prompt, rows, maxTokens, stop);
        int[] ids = r.ids();
        int end = ids.length > 0 && stop.contains(ids[ids.length - 1]) ? ids.length - 1 : ids.length;
        String text = t.decode(Arrays.copyOf(ids, end)).strip();
        return new Answer(prompt, ids, text, start, r.firstNanos(), r.lastNanos());
    }

    /** Up to {@code maxTokens} greedy ids after {@code promptIds}, whose image span reads {@code rows}. */
    public static Result run(DpaModel model, int[] promptIds, PatchFeatures rows, int maxTokens, Set<Integer> stop) {
        int[] out = new int[maxTokens];
        float[] first = null;
        long firstNanos = 0;
        long lastNanos = 0;
        try (Sequence sequence = model.newThinkerSequence()) {
            float[] logits = sequence.prefill(model.thinkerPrompt(promptIds, rows));
            first = logits;
            int produced = 0;
            while (produced < maxTokens) {
                int next = Sampler.argMax(logits);
                lastNanos = System.nanoTime();
                firstNanos = produced == 0 ? lastNanos : firstNanos;
                out[produced++] = next;
                if (stop.contains(next) || produced == maxTokens) {
                    break;
                }
                logits = sequence.decode(next);
            }
            return new Result(Arrays.copyOf(out, produced), first, firstNanos, lastNanos);
        }
    }
}
