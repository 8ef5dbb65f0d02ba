package org.invllava.schemas;

/** The stable {@code ErrorInfo.code} values clients can rely on. */
public final class ErrorCodes {
    public static final String INVALID_IMAGE = "invalid_image";
    public static final String IMAGE_TOO_LARGE = "image_too_large";
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    public static final String INTERNAL = "internal_error";
    /** Gateway only: no or an unknown API key. */
    public static final String INVALID_API_KEY = "invalid_api_key";
    /** Gateway only: over the per-key concurrency or the gateway's in-flight limit. */
    public static final String RATE_LIMITED = "rate_limit_exceeded";
    /** Gateway only: the request body is over the gateway's byte limit. */
    public static final String REQUEST_TOO_LARGE = "request_too_large";
    /** Gateway only: the request names a model this stack does not serve. */
    public static final String MODEL_NOT_FOUND = "model_not_found";
    /** Gateway only: no such API path. */
    public static final String NOT_FOUND = "not_found";
    /** Gateway only: a browser request from an origin, or for a host name, the gateway does not serve. */
    public static final String FORBIDDEN = "forbidden";
    /** Gateway only: the stack is starting, stopping or missing a service. */
    public static final String NOT_READY = "not_ready";
    /**
     * The serving side stopped an answer its client did not cancel (Kafka unreachable, no instance left to generate
     * it, or it judged nobody was listening): retryable; a stream may be resumed with its id.
     */
    public static final String UNAVAILABLE = "unavailable";
    /** Gateway only: the same client resumed this answer on another connection; this one ends (the newest wins). */
    public static final String RESUMED_ELSEWHERE = "resumed_elsewhere";

    private ErrorCodes() {
    }
}
