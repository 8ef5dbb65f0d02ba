package org.invllava.gateway;

import java.util.function.Consumer;

import java.util.Locale;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;

/**
 * One request's answer on its way to the client. Chunks are delivered exactly once and in order: anything below
 * the next expected sequence (re-sent after a redo) is dropped. It ends once, by the final chunk, an error, or the
 * client leaving; {@code onEnd} then runs with the error code, or null (it frees the request's admission slot).
 */
final class Answer {
    private final String requestId;
    private final AnswerSink sink;
    private final GatewayMetrics metrics;
    private final Consumer<String> onEnd;
    private final long startNanos = System.nanoTime();
    private long lastTokenNanos;
    private int nextSequence;
    private boolean finished;

    Answer(String requestId, AnswerSink sink, GatewayMetrics metrics, Consumer<String> onEnd) {
        this.requestId = requestId;
        this.sink = sink;
        this.metrics = metrics;
        this.onEnd = onEnd;
    }

    String requestId() {
        return requestId;
    }

    synchronized boolean finished() {
        return finished;
    }

    /** Delivers a chunk unless it was already delivered; returns whether the answer is now complete. */
    synchronized boolean deliver(TokenChunk chunk) {
        if (finished || chunk.getSequence() < nextSequence) {
            return finished;
        }
        if (chunk.getSequence() > nextSequence) {
            return false; // cannot happen on one partition; a redo restarts at 0 and fills the gap first
        }
        nextSequence++;
        if (chunk.getFinishReason() == null) {
            long now = System.nanoTime();
            metrics.observeToken(now - (lastTokenNanos == 0 ? startNanos : lastTokenNanos), lastTokenNanos == 0);
            lastTokenNanos = now;
            sink.token(chunk.getSequence(), chunk.getText(), chunk.getTokenIds());
            return false;
        }
        if (chunk.getError() != null) {
            fail(chunk.getError().getCode(), chunk.getError().getMessage());
            return true;
        }
        sink.done(chunk.getFinishReason().name().toLowerCase(Locale.ROOT), chunk.getUsage() == null ? null
                : new TokenUsage(chunk.getUsage().getPromptTokens(), chunk.getUsage().getCompletionTokens()));
        end(chunk.getFinishReason() == FinishReason.CANCELLED ? "cancelled" : "ok", null);
        return true;
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
