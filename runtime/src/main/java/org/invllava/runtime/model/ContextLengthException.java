package org.invllava.runtime.model;

/** A sequence that would run past the model's context length. */
public class ContextLengthException extends RuntimeException {
    private final int requested;
    private final int limit;

    public ContextLengthException(int requested, int limit) {
        super("sequence of " + requested + " tokens exceeds the context length of " + limit);
        this.requested = requested;
        this.limit = limit;
    }

    public int requested() {
        return requested;
    }

    public int limit() {
        return limit;
    }
}
