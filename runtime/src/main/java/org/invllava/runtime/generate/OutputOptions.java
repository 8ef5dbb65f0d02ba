package org.invllava.runtime.generate;

import java.util.function.Supplier;

/**
 * What a sequence returns beyond its tokens, and how its picks are constrained.
 *
 * @param topLogprobs  −1: no log probabilities; 0..{@link Logprobs#MAX_TOP}: each picked token's, with this many
 *                     alternatives
 * @param promptLogprobs each prompt token's log probability (the first has none), computed during prefill
 * @param constraint   a fresh constraint per sequence (structured outputs), or null for free text
 * @param verbatim     the text exactly as the tokens spell it (a completion continues its prompt), not stripped of
 *                     leading and trailing whitespace as an answer is
 */
public record OutputOptions(
        int topLogprobs, boolean promptLogprobs, Supplier<TokenConstraint> constraint, boolean verbatim) {
    public static final OutputOptions NONE = new OutputOptions(-1, false, null);

    /** Options of an answer (its text stripped). */
    public OutputOptions(int topLogprobs, boolean promptLogprobs, Supplier<TokenConstraint> constraint) {
        this(topLogprobs, promptLogprobs, constraint, false);
    }

    public OutputOptions {
        if (topLogprobs < -1 || topLogprobs > Logprobs.MAX_TOP) {
            throw new IllegalArgumentException(
                    "top logprobs must be -1 (off) or 0.." + Logprobs.MAX_TOP + ", got " + topLogprobs);
        }
    }

    /** The same without the prompt's log probabilities (a takeover whose echo was already written). */
    public OutputOptions withoutPromptLogprobs() {
        return new OutputOptions(topLogprobs, false, constraint, verbatim);
    }

    public boolean logprobs() {
        return topLogprobs >= 0;
    }
}
