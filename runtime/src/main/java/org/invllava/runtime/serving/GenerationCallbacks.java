package org.invllava.runtime.serving;

/** What the engine tells a request, all on the engine thread: keep them short and never block. */
public interface GenerationCallbacks {
    /** Checked before every step: a non-null reason (cancel, deadline, client gone) removes the sequence. */
    default Object stopReason() {
        return null;
    }

    /** A token as soon as it is picked, with the text it completes (possibly empty). */
    void onToken(int index, int tokenId, String textDelta);

    /** As {@link #onToken(int, int, String)}, with the step's log probabilities when they were asked for. */
    default void onToken(org.invllava.runtime.generate.Decoding.Step step) {
        onToken(step.index(), step.tokenId(), step.textDelta());
    }

    /**
     * The prompt's log probabilities, once, before the first token, when they were asked for: one per prompt token,
     * the first null (nothing precedes it).
     */
    default void onPromptLogprobs(java.util.List<org.invllava.runtime.generate.Logprobs.Position> positions) {}

    /** The end, exactly once; the sequence's KV blocks are already back in the pool. */
    void onDone(Outcome outcome);
}
