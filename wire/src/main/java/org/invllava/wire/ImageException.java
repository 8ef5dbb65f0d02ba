package org.invllava.wire;

/** An image that cannot be decoded ({@link Reason#UNREADABLE}) or is over a limit ({@link Reason#TOO_LARGE}). */
public class ImageException extends RuntimeException {
    /** Why the image was refused: what a service turns into its error code. */
    public enum Reason {
        UNREADABLE,
        TOO_LARGE
    }

    private final Reason reason;

    public ImageException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** With the cause, for the logs (its text is not for clients). */
    public ImageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
