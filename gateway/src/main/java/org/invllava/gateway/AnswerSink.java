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

    /**
     * A chunk that is not the last: a token of a choice (with its log probabilities when asked for), the prompt echoed,
     * or, with several choices, one choice's end. By default a sink sees only the tokens of the first choice.
     */
    default void piece(Piece p) {
        if (!p.echo() && p.choiceFinish() == null && p.choice() == 0) {
            token(p.index(), p.text(), p.tokenIds());
        }
    }

    /**
     * One chunk: its sequence, choice, text and token ids, its tokens' log probabilities (null unless asked for),
     * whether it is the prompt echoed, and the choice's finish reason when it ends one choice of several.
     */
    record Piece(
            int index,
            int choice,
            String text,
            List<Integer> tokenIds,
            List<org.invllava.schemas.TokenLogprob> logprobs,
            boolean echo,
            String choiceFinish) {}

    /** {@code finishReason}: {@code stop}, {@code length} or {@code cancelled}; {@code usage} null when cancelled. */
    void done(String finishReason, TokenUsage usage);

    void error(String code, String message);
}
