package org.invllava.gateway;

import org.invllava.schemas.ErrorCode;

/**
 * A request the gateway refuses or cannot finish: the error clients see ({@link ErrorCode}: its code and HTTP status)
 * and a message written for them.
 */
public final class GatewayError extends Exception {
    private final ErrorCode error;

    public GatewayError(ErrorCode error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    public ErrorCode error() {
        return error;
    }

    /** The code as clients see it. */
    public String code() {
        return error.code();
    }

    public int httpStatus() {
        return error.httpStatus();
    }
}
