package org.invllava.runtime.weights;

/** A checkpoint that cannot be used: missing, truncated, mis-shaped or unexpected data. */
public class WeightException extends RuntimeException {
    public WeightException(String message) {
        super(message);
    }

    public WeightException(String message, Throwable cause) {
        super(message, cause);
    }
}
