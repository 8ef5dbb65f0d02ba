package org.invllava.runtime.serving;

/** What the engine tells a request, all on the engine thread: keep them short and never block. */
public interface GenerationCallbacks {
    /** Checked before every step: a non-null reason (cancel, deadline, client gone) removes the sequence. */
    default Object stopReason() {
        return null;
    }

    /** A token as soon as it is picked, with the text it completes (possibly empty). */
    void onToken(int index, int tokenId, String textDelta);

    /** The end, exactly once; the sequence's KV blocks are already back in the pool. */
    void onDone(Outcome outcome);
}
