package org.invllava.runtime.model;

/** A sequence that would run past the model's context length. */
public class ContextLengthException extends RuntimeException {
    public ContextLengthException(int requested, int limit) {
        super("sequence of " + requested + " tokens exceeds the context length of " + limit);
    }
}
