package org.invllava.gateway;

import org.invllava.schemas.ErrorCode;

/**
 * A client picking up an answer after the chunks it already has, read the same way for both APIs (SSE's
 * {@code GET /v1/chat/completions/{id}/stream} with {@code Last-Event-ID}, WebSocket's {@code resume} message): the id
 * with or without the OpenAI API's {@code chatcmpl-} prefix, and {@code after}, the index of the last chunk received
 * (-1 for none; any larger index is accepted: at or past the end of the answer the client gets its final event at
 * once), and the served model that generates it ({@code null}: the first served model; SSE's {@code ?model=},
 * WebSocket's {@code "model"}).
 */
public record ResumeRequest(String requestId, int after, String model) {
    /** What the OpenAI API puts before a request id. */
    public static final String OPENAI_PREFIX = "chatcmpl-";
    /** What the OpenAI APIs put before a request id: chat, completions, Responses. */
    private static final java.util.List<String> PREFIXES = java.util.List.of(OPENAI_PREFIX, "cmpl-", "resp_");

    private static final int MAX_ID_LENGTH = 64;

    public ResumeRequest {
        if (after < -1) {
            throw new IllegalArgumentException("after " + after);
        }
    }

    /** {@code id} and {@code after} as a client sent them; 400 {@code invalid_request} when they cannot be one. */
    public static ResumeRequest of(String id, long after) throws GatewayError {
        String bare = id == null ? "" : id.strip();
        for (String prefix : PREFIXES) {
            if (bare.startsWith(prefix)) {
                bare = bare.substring(prefix.length());
            }
        }
        if (bare.isEmpty() || bare.length() > MAX_ID_LENGTH) {
            throw new GatewayError(
                    ErrorCode.INVALID_REQUEST,
                    "resume needs the id of the answer (from its accepted " + "message or x-request-id)");
        }
        if (after < -1 || after > Integer.MAX_VALUE) {
            throw new GatewayError(
                    ErrorCode.INVALID_REQUEST,
                    "after (Last-Event-ID) must be the index of the last " + "token received: -1 for none, up to "
                            + Integer.MAX_VALUE);
        }
        return new ResumeRequest(bare, (int) after, null);
    }

    /** The same, for {@code model} (null: the first served model). */
    public ResumeRequest withModel(String model) {
        return new ResumeRequest(requestId, after, model);
    }

    /** {@link #of} with {@code after} as text (a header); null or blank is -1. */
    public static ResumeRequest parse(String id, String after) throws GatewayError {
        if (after == null || after.isBlank()) {
            return of(id, -1);
        }
        try {
            return of(id, Long.parseLong(after.strip()));
        } catch (NumberFormatException e) {
            throw new GatewayError(
                    ErrorCode.INVALID_REQUEST,
                    "after (Last-Event-ID) must be the index of the last " + "token received: -1 for none, up to "
                            + Integer.MAX_VALUE);
        }
    }

    /** The first chunk sequence the client does not have. */
    public int firstMissing() {
        return after == Integer.MAX_VALUE ? after : after + 1;
    }
}
