package org.invllava.gateway.openai;

import io.vertx.core.Context;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import org.invllava.gateway.AnswerSink;

/**
 * An answer as server-sent events. Nothing is sent before the first event, so an early error is an ordinary error
 * response with its status; a later one is an {@code error} event, which the official clients raise. A client that
 * stops reading is cut off once {@link AnswerSink#MAX_UNREAD_BYTES} wait unsent ({@link #onStall}). Subclasses write on
 * the event loop ({@link #onLoop}).
 */
abstract class SseSink implements AnswerSink {
    private final HttpServerResponse response;
    private final Context context;
    private boolean started; // touched on the event loop only
    private Runnable onStall = () -> {};

    SseSink(HttpServerResponse response, Context context) {
        this.response = response;
        this.context = context;
    }

    /**
     * What to do when the client stops reading: the answer's events would pile up in the server's buffers, so
     * {@code then} runs (it detaches or abandons the request) and the connection closes. Set on the event loop right
     * after submitting.
     */
    void onStall(Runnable then) {
        this.onStall = then;
    }

    void onLoop(Runnable r) {
        context.runOnContext(v -> r.run());
    }

    /** Runs before the first event is written (the status line and headers are set by then). */
    void opened() {}

    /** One event: {@code id:} when {@code id} ≥ 0, {@code event:} when named, then its data. */
    final void event(String name, String data, long id) {
        if (!writable()) {
            return;
        }
        if (!started) {
            started = true;
            response.setWriteQueueMaxSize(MAX_UNREAD_BYTES);
            response.setStatusCode(200)
                    .setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .putHeader("x-accel-buffering", "no");
            opened();
        }
        response.write((id >= 0 ? "id: " + id + "\n" : "") + (name != null ? "event: " + name + "\n" : "") + "data: "
                + data + "\n\n");
        if (response.writeQueueFull()) {
            onStall.run();
            response.reset(); // the stream ends here; nothing more is buffered for this client
        }
    }

    /** Ends the stream with {@code last} written as-is (e.g. {@code data: [DONE]}), or nothing when null. */
    final void end(String last) {
        if (writable()) {
            if (last == null) {
                response.end();
            } else {
                response.end(last);
            }
        }
    }

    /** Before any event: the error as a JSON response with its status; after: an {@code error} event ending the stream. */
    @Override
    public void error(String code, String message) {
        onLoop(() -> {
            if (!started) {
                OpenAiApi.error(response, code, message);
            } else {
                errorEvent(code, message);
            }
        });
    }

    /** The error after the stream started; by default {@code data: {"error": ...}}, ending the stream. */
    void errorEvent(String code, String message) {
        end("data: " + OpenAiJson.error(code, message) + "\n\n");
    }

    boolean started() {
        return started;
    }

    private boolean writable() {
        return !response.ended() && !response.closed();
    }
}
