package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.TokenUsage;

/**
 * A streamed answer as server-sent events: a first chunk with the assistant role, one chunk per token, a last
 * chunk with the finish reason, the usage chunk when asked for, then {@code data: [DONE]}. Until the first event
 * nothing is sent, so an early error is an ordinary error response with its status; a later one is an
 * {@code error} event, which the official clients raise.
 */
final class EventStreamSink implements AnswerSink {
    private final HttpServerResponse response;
    private final Context context;
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private boolean started; // touched on the event loop only
    private Runnable onStall = () -> { };

    EventStreamSink(HttpServerResponse response, Context context, String id, long created, String model, boolean includeUsage) {
        this.response = response;
        this.context = context;
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
    }

    /**
     * What to do when the client stops reading: the answer's events would pile up in the server's buffers, so once
     * {@link AnswerSink#MAX_UNREAD_BYTES} wait unsent, {@code then} runs (it abandons the request, which frees its place
     * and stops its generation) and the connection closes. Set on the event loop right after submitting.
     */
    void onStall(Runnable then) {
        this.onStall = then;
    }

    @Override
    public void token(int index, String text, List<Integer> tokenIds) {
        context.runOnContext(v -> event(OpenAiJson.chunk(id, created, model, null, text, null, includeUsage), index));
    }

    @Override
    public void done(String finishReason, TokenUsage usage) {
        context.runOnContext(v -> {
            event(OpenAiJson.chunk(id, created, model, null, null, OpenAiJson.finishReason(finishReason), includeUsage), -1);
            if (includeUsage) {
                event(OpenAiJson.usageChunk(id, created, model, usage), -1);
            }
            if (writable()) {
                response.end("data: [DONE]\n\n");
            }
        });
    }

    @Override
    public void error(String code, String message) {
        context.runOnContext(v -> {
            if (!started) {
                OpenAiApi.json(response, GatewayError.httpStatus(code), OpenAiJson.error(code, message));
            } else if (writable()) {
                response.end("data: " + OpenAiJson.error(code, message) + "\n\n");
            }
        });
    }

    /** One event; a token's carries {@code id:} = the token's chunk sequence (0, 1, ...), for a client to say where it is. */
    private void event(ObjectNode chunk, int sequence) {
        if (!writable()) {
            return;
        }
        if (!started) {
            started = true;
            response.setWriteQueueMaxSize(MAX_UNREAD_BYTES);
            response.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").putHeader("x-accel-buffering", "no");
            response.write("data: " + OpenAiJson.chunk(id, created, model, "assistant", "", null, includeUsage) + "\n\n");
        }
        response.write((sequence >= 0 ? "id: " + sequence + "\n" : "") + "data: " + chunk + "\n\n");
        if (response.writeQueueFull()) {
            onStall.run();
            response.reset(); // the stream ends here; nothing more is buffered for this client
        }
    }

    private boolean writable() {
        return !response.ended() && !response.closed();
    }
}
