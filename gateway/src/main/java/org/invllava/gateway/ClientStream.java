package org.invllava.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.ServerWebSocket;
import java.util.Locale;
import org.invllava.observability.Metrics;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;

/**
 * One client's answer on its WebSocket. Chunks are delivered exactly once and in order: anything below the next
 * expected sequence (re-sent after a redo) is dropped. The final chunk becomes a {@code done} or {@code error}
 * message, after which the socket is closed.
 */
final class ClientStream {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String requestId;
    private final ServerWebSocket socket;
    private final GatewayMetrics metrics;
    private final long startNanos = System.nanoTime();
    private long lastTokenNanos;
    private int nextSequence;
    private boolean finished;

    ClientStream(String requestId, ServerWebSocket socket, GatewayMetrics metrics) {
        this.requestId = requestId;
        this.socket = socket;
        this.metrics = metrics;
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
            ObjectNode m = JSON.createObjectNode().put("type", "token").put("index", chunk.getSequence()).put("text", chunk.getText());
            var ids = m.putArray("token_ids");
            chunk.getTokenIds().forEach(ids::add);
            send(m);
            return false;
        }
        if (chunk.getError() != null) {
            fail(chunk.getError().getCode(), chunk.getError().getMessage());
            return true;
        }
        ObjectNode done = JSON.createObjectNode().put("type", "done")
                .put("finish_reason", chunk.getFinishReason().name().toLowerCase(Locale.ROOT));
        if (chunk.getUsage() != null) {
            done.putObject("usage").put("prompt_tokens", chunk.getUsage().getPromptTokens())
                    .put("completion_tokens", chunk.getUsage().getCompletionTokens());
        }
        send(done);
        end(chunk.getFinishReason() == FinishReason.CANCELLED ? "cancelled" : "ok");
        return true;
    }

    /** Ends the answer with an error message (no-op when already finished). */
    synchronized void fail(String code, String message) {
        if (finished) {
            return;
        }
        send(JSON.createObjectNode().put("type", "error").put("code", code).put("message", message));
        metrics.error(code);
        end("error");
    }

    private void end(String outcome) {
        finished = true;
        metrics.finished(outcome);
        if (!socket.isClosed()) {
            socket.close((short) 1000, "done");
        }
    }

    private void send(ObjectNode message) {
        if (!socket.isClosed()) {
            socket.writeTextMessage(message.toString());
        }
    }

    /** Gateway metrics this stream reports to. */
    static final class GatewayMetrics {
        private final Metrics registry;
        private final Metrics.Histogram ttft;
        private final Metrics.Histogram itl;

        GatewayMetrics(Metrics registry) {
            this.registry = registry;
            this.ttft = registry.histogram("gateway_time_to_first_token_seconds", "Request accepted to first token sent");
            this.itl = registry.histogram("gateway_inter_token_latency_seconds", "Time between consecutive tokens sent");
        }

        void observeToken(long nanos, boolean first) {
            (first ? ttft : itl).observe(nanos / 1e9);
        }

        void accepted() {
            registry.counter("gateway_requests_total", "Requests accepted", "").inc();
        }

        void error(String code) {
            registry.counter("gateway_errors_total", "Requests ended with an error, by code", "code=\"" + code + "\"").inc();
        }

        void finished(String outcome) {
            registry.counter("gateway_requests_finished_total", "Requests ended, by outcome", "outcome=\"" + outcome + "\"").inc();
        }
    }
}
