package org.invllava.gateway;

import java.util.Locale;
import java.util.function.Consumer;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;

/**
 * One request's answer on its way to the client. Chunks are delivered exactly once and in order: anything below
 * the next expected sequence (re-sent, or read back for a resumed answer as well as relayed live) is dropped, and
 * anything above it waits for the chunks before it. It ends once, by the final chunk, an error, or the client
 * leaving; {@code onEnd} then runs with the error code, or null (it frees the request's admission slot).
 */
final class Answer {
    /** Chunks held back waiting for an earlier one, at most (the longest answer allowed is far shorter). */
    static final int MAX_AHEAD = 1 << 16;

    private final String requestId;
    private final String model;
    private final AnswerSink sink;
    private final GatewayMetrics metrics;
    private final Consumer<String> onEnd;
    private final long startNanos = System.nanoTime();
    private long lastTokenNanos;
    /** Chunks that arrived before some earlier one, by sequence (a resumed answer: live ones before read-back ones). */
    private final java.util.TreeMap<Integer, TokenChunk> ahead = new java.util.TreeMap<>();

    private int nextSequence;
    private boolean finished;
    /** Whether this answer's own client asked to cancel it: only then does a cancelled ending read as one. */
    private boolean cancelAsked;

    /**
     * The answer of {@code requestId} for {@code model}; the client already has it up to chunk
     * {@code firstSequence - 1} (0 for a new request, more when resumed after a reconnect).
     */
    Answer(
            String requestId,
            String model,
            AnswerSink sink,
            GatewayMetrics metrics,
            Consumer<String> onEnd,
            int firstSequence) {
        this.nextSequence = firstSequence;
        this.requestId = requestId;
        this.model = model;
        this.sink = sink;
        this.metrics = metrics;
        this.onEnd = onEnd;
    }

    String requestId() {
        return requestId;
    }

    /** The served model that generates it. */
    String model() {
        return model;
    }

    synchronized boolean finished() {
        return finished;
    }

    /** Its client asked to cancel it (the cancelled ending that follows is the one it asked for). */
    synchronized void cancelAsked() {
        cancelAsked = true;
    }

    /**
     * Delivers a chunk unless it was already delivered; returns whether the answer is now complete. A final chunk
     * below the next expected sequence (a client resuming at or past the end of an answer it already has) ends it.
     */
    synchronized boolean deliver(TokenChunk chunk) {
        if (finished) {
            return true;
        }
        if (chunk.getSequence() < nextSequence) {
            if (chunk.getFinishReason() != null) {
                ahead.clear();
                accept(chunk);
            }
            return finished;
        }
        if (chunk.getSequence() > nextSequence) {
            if (ahead.size() < MAX_AHEAD) {
                ahead.putIfAbsent(chunk.getSequence(), chunk);
            }
            return false;
        }
        accept(chunk);
        for (TokenChunk next; !finished && (next = ahead.remove(nextSequence)) != null; ) {
            accept(next);
        }
        return finished;
    }

    private void accept(TokenChunk chunk) {
        nextSequence++;
        if (chunk.getFinishReason() == null) {
            if (!chunk.getTokenIds().isEmpty()) {
                long now = System.nanoTime();
                metrics.observeToken(now - (lastTokenNanos == 0 ? startNanos : lastTokenNanos), lastTokenNanos == 0);
                lastTokenNanos = now;
            }
            sink.piece(new AnswerSink.Piece(
                    chunk.getSequence(),
                    chunk.getChoice(),
                    chunk.getText(),
                    chunk.getTokenIds(),
                    chunk.getLogprobs(),
                    chunk.getEcho(),
                    chunk.getChoiceFinishReason() == null
                            ? null
                            : chunk.getChoiceFinishReason().name().toLowerCase(Locale.ROOT)));
            return;
        }
        ahead.clear();
        if (chunk.getError() != null) {
            fail(chunk.getError().getCode(), chunk.getError().getMessage());
            return;
        }
        if (chunk.getFinishReason() == FinishReason.CANCELLED && !cancelAsked) { // not this client's doing: no "stop"
            fail(
                    ErrorCode.UNAVAILABLE.code(),
                    "the answer was cancelled by another client or by the service before it "
                            + "ended; resume it with its id or retry");
            return;
        }
        sink.done(
                chunk.getFinishReason().name().toLowerCase(Locale.ROOT),
                chunk.getUsage() == null
                        ? null
                        : new TokenUsage(
                                chunk.getUsage().getPromptTokens(),
                                chunk.getUsage().getCompletionTokens()));
        end(chunk.getFinishReason() == FinishReason.CANCELLED ? "cancelled" : "ok", null);
    }

    /** Ends the answer with an error (no-op when already finished). */
    synchronized void fail(String code, String message) {
        if (finished) {
            return;
        }
        sink.error(code, message);
        metrics.error(code);
        end("error", code);
    }

    /** The client left: ends the answer without telling it anything. */
    synchronized void abandon() {
        if (!finished) {
            end("abandoned", null);
        }
    }

    private void end(String outcome, String errorCode) {
        finished = true;
        metrics.finished(outcome);
        onEnd.accept(errorCode);
    }
}
