package org.invllava.schemas;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The errors clients can see: the stable code they rely on ({@code ErrorInfo.code} on Kafka, {@code error.code} in the
 * APIs) and the HTTP status the gateway answers it with. Messages to clients are written by the code that raises
 * one, never an exception's text.
 */
public enum ErrorCode {
    INVALID_IMAGE("invalid_image", 400),
    IMAGE_TOO_LARGE("image_too_large", 413),
    INVALID_REQUEST("invalid_request", 400),
    PROMPT_TOO_LONG("prompt_too_long", 400),
    DEADLINE_EXCEEDED("deadline_exceeded", 504),
    INTERNAL("internal_error", 500),
    /** Gateway only: no or an unknown API key. */
    INVALID_API_KEY("invalid_api_key", 401),
    /** Gateway only: over the per-key concurrency or the gateway's in-flight limit. */
    RATE_LIMITED("rate_limit_exceeded", 429),
    /** Gateway only: the request body is over the gateway's byte limit. */
    REQUEST_TOO_LARGE("request_too_large", 413),
    /** Gateway only: the request names a model this stack does not serve. */
    MODEL_NOT_FOUND("model_not_found", 404),
    /** Gateway only: no such API path. */
    NOT_FOUND("not_found", 404),
    /** Gateway only: a browser request from an origin, or for a host name, the gateway does not serve. */
    FORBIDDEN("forbidden", 403),
    /** Gateway only: the stack is starting, stopping or missing a service. */
    NOT_READY("not_ready", 503),
    /**
     * The serving side stopped an answer its client did not cancel (Kafka unreachable, no instance left to generate
     * it, or it judged nobody was listening): retryable; a stream may be resumed with its id.
     */
    UNAVAILABLE("unavailable", 503),
    /** Gateway only: the same client resumed this answer on another connection; this one ends (the newest wins). */
    RESUMED_ELSEWHERE("resumed_elsewhere", 409);

    private static final Map<String, ErrorCode> BY_CODE =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ErrorCode::code, Function.identity()));

    private final String code;
    private final int httpStatus;

    ErrorCode(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The code as clients see it ({@code invalid_image}). */
    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The error a code read off Kafka names; one this version does not know is {@link #INTERNAL}. */
    public static ErrorCode of(String code) {
        return BY_CODE.getOrDefault(code, INTERNAL);
    }
}
