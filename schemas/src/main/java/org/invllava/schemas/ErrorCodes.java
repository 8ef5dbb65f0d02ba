package org.invllava.schemas;

/** The stable {@code ErrorInfo.code} values clients can rely on. */
public final class ErrorCodes {
    public static final String INVALID_IMAGE = "invalid_image";
    public static final String IMAGE_TOO_LARGE = "image_too_large";
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    public static final String INTERNAL = "internal_error";

    private ErrorCodes() {
    }
}
