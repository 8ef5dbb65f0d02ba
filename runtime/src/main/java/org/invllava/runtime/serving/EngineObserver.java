package org.invllava.runtime.serving;

/** Step-level events of a {@link BatchEngine}, for metrics; called on the engine thread. */
public interface EngineObserver {
    EngineObserver NONE = new EngineObserver() {};

    /** One forward pass: how many sequences, prompt (prefill) rows and decode rows it held, how long it took. */
    default void onStep(int sequences, int prefillTokens, int decodeTokens, long nanos) {}

    /** A running sequence gave its KV blocks back to let older ones grow; it is recomputed when readmitted. */
    default void onPreempted() {}
}
