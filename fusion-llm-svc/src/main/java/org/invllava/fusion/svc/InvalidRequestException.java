package org.invllava.fusion.svc;

/**
 * A request whose own fields cannot be answered (its conversation or sampling parameters): answered with
 * {@code invalid_request}. Anything else that goes wrong while starting a request is this instance's fault
 * ({@code internal}).
 */
final class InvalidRequestException extends RuntimeException {
    InvalidRequestException(String message) {
        super(message);
    }
}
