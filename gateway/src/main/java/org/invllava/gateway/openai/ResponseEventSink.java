package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import org.invllava.gateway.TokenUsage;
import org.invllava.schemas.TokenLogprob;

/**
 * A response as the Responses API streams it: four opening events (sequence numbers 0-3), one
 * {@code response.output_text.delta} per token chunk (chunk k: sequence number k + 4, so a client's last
 * {@code sequence_number} says where to resume), then the closing events. A resumed stream is read from the first
 * chunk (the closing events carry the whole text) and writes only the events after {@code startingAfter}.
 */
final class ResponseEventSink extends SseSink {
    /** Events before the first delta. */
    static final int OPENING = 4;

    private final String requestId;
    private final ResponseJson json;
    private final long startingAfter;
    private final StringBuilder text = new StringBuilder(); // event loop only
    private final List<TokenLogprob> logprobs = new ArrayList<>();
    private long sequence;

    ResponseEventSink(
            HttpServerResponse response, Context context, String requestId, ResponseJson json, long startingAfter) {
        super(response, context);
        this.requestId = requestId;
        this.json = json;
        this.startingAfter = startingAfter;
        onLoop(this::opening);
    }

    private void opening() {
        ObjectNode inProgress = json.response(requestId, "in_progress", null, null, null, null);
        send("response.created", OpenAiJson.JSON.createObjectNode().set("response", inProgress));
        send("response.in_progress", OpenAiJson.JSON.createObjectNode().set("response", inProgress));
        send(
                "response.output_item.added",
                OpenAiJson.JSON
                        .createObjectNode()
                        .put("output_index", 0)
                        .set("item", json.item(requestId, "in_progress", null, null)));
        send("response.content_part.added", located().set("part", ResponseJson.part("", null)));
    }

    @Override
    public void token(int index, String t, List<Integer> tokenIds) {
        throw new IllegalStateException("pieces are streamed");
    }

    @Override
    public void piece(Piece p) {
        if (p.echo() || p.choice() != 0 || p.choiceFinish() != null) {
            return;
        }
        onLoop(() -> {
            text.append(p.text());
            if (p.logprobs() != null) {
                logprobs.addAll(p.logprobs());
            }
            sequence = OPENING + p.index();
            ObjectNode delta = located().put("delta", p.text());
            delta.set("logprobs", LogprobsJson.entries(p.logprobs()));
            send("response.output_text.delta", delta);
        });
    }

    @Override
    public void done(String finishReason, TokenUsage usage) {
        onLoop(() -> {
            String all = text.toString();
            List<TokenLogprob> lp = logprobs.isEmpty() ? null : logprobs;
            ObjectNode done = located().put("text", all);
            done.set("logprobs", LogprobsJson.entries(lp));
            send("response.output_text.done", done);
            send("response.content_part.done", located().set("part", ResponseJson.part(all, lp)));
            send(
                    "response.output_item.done",
                    OpenAiJson.JSON
                            .createObjectNode()
                            .put("output_index", 0)
                            .set("item", json.item(requestId, "completed", all, lp)));
            String status = ResponseJson.status(finishReason);
            send(
                    "response." + status,
                    OpenAiJson.JSON
                            .createObjectNode()
                            .set("response", json.response(requestId, status, all, lp, usage, null)));
            end(null);
        });
    }

    @Override
    void errorEvent(String code, String message) {
        ObjectNode error = OpenAiJson.JSON.createObjectNode().put("code", code).put("message", message);
        send(
                "response.failed",
                OpenAiJson.JSON
                        .createObjectNode()
                        .set("response", json.response(requestId, "failed", null, null, null, error)));
        end(null);
    }

    private ObjectNode located() {
        return OpenAiJson.JSON
                .createObjectNode()
                .put("item_id", ResponseJson.itemId(requestId))
                .put("output_index", 0)
                .put("content_index", 0);
    }

    /** The next event, numbered; written only when after {@code startingAfter}. */
    private void send(String type, ObjectNode data) {
        long n = sequence++;
        if (n > startingAfter) {
            ObjectNode out =
                    OpenAiJson.JSON.createObjectNode().put("type", type).put("sequence_number", n);
            out.setAll(data);
            event(type, out.toString(), -1);
        }
    }
}
