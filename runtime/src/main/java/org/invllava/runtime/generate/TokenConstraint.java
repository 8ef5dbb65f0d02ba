package org.invllava.runtime.generate;

/**
 * Which tokens may come next in one sequence (structured outputs): before each pick the tokens that cannot continue
 * a valid answer are masked out, and each picked token moves the constraint on. One instance per sequence.
 */
public interface TokenConstraint {
    /** Sets the logit of every token that may not come next to −∞ (end-of-sequence ids only once it may end). */
    void mask(float[] logits);

    /** Moves past {@code tokenId}, picked (or replayed) as the next token. */
    void accept(int tokenId);
}
