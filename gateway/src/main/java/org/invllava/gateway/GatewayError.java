package org.invllava.gateway;

import org.invllava.schemas.ErrorCodes;

/**
 * A request the gateway refuses or cannot finish, with the stable error code clients see ({@link ErrorCodes}) and
 * the HTTP status that code maps to.
 */
public final class GatewayError extends Exception {
    private final String code;

    public GatewayError(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus(code);
    }

    /** 400 for bad input, and the specific statuses of the API's other failures. */
    public static int httpStatus(String code) {
        return switch (code) {
            case ErrorCodes.INVALID_API_KEY -> 401;
            case ErrorCodes.FORBIDDEN -> 403;
            case ErrorCodes.MODEL_NOT_FOUND, ErrorCodes.NOT_FOUND -> 404;
            case ErrorCodes.IMAGE_TOO_LARGE, ErrorCodes.REQUEST_TOO_LARGE -> 413;
            case ErrorCodes.RESUMED_ELSEWHERE -> 409;
            case ErrorCodes.RATE_LIMITED -> 429;
            case ErrorCodes.INTERNAL -> 500;
            case ErrorCodes.NOT_READY, ErrorCodes.UNAVAILABLE -> 503;
            case ErrorCodes.DEADLINE_EXCEEDED -> 504;
            default -> 400;
        };
    }
}
