package org.invllava.gateway;

import java.util.List;

/**
 * Where an answer goes (a WebSocket, a server-sent event stream, a JSON body). Each method is called in order,
 * each token once; exactly one of {@link #done} or {@link #error} ends the answer, unless the client left first.
 */
public interface AnswerSink {
    /** Bytes of an answer a streaming connection may leave unread in the server before the request is abandoned. */
    int MAX_UNREAD_BYTES = 256 * 1024;

    void token(int index, String text, List<Integer> tokenIds);

    /** {@code finishReason}: {@code stop}, {@code length} or {@code cancelled}; {@code usage} null when cancelled. */
    void done(String finishReason, TokenUsage usage);

    void error(String code, String message);
}
