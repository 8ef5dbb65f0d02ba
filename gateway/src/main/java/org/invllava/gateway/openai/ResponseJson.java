package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.invllava.gateway.TokenUsage;
import org.invllava.schemas.TokenLogprob;

/**
 * The Responses API's objects for one request: the {@code response} (status, one {@code message} output item with
 * one {@code output_text} part, usage) and the item and part the stream's events carry; {@code echo} holds the
 * request's fields a response repeats (instructions, metadata, sampling, text format).
 */
final class ResponseJson {
    private final String model;
    private final long createdAt;
    private final ObjectNode echo;

    ResponseJson(String model, long createdAt, ObjectNode echo) {
        this.model = model;
        this.createdAt = createdAt;
        this.echo = echo;
    }

    /** What a response read back by id repeats of a request this gateway did not see: the defaults. */
    static ObjectNode unknownRequest() {
        ObjectNode e = OpenAiJson.JSON.createObjectNode();
        e.putNull("instructions");
        e.putNull("max_output_tokens");
        e.putObject("metadata");
        e.putObject("text").putObject("format").put("type", "text");
        return e;
    }

    /** {@code completed}, or {@code incomplete} when the answer ran into its token limit. */
    static String status(String finishReason) {
        return "length".equals(finishReason) ? "incomplete" : "completed";
    }

    static String responseId(String requestId) {
        return "resp_" + requestId;
    }

    static String itemId(String requestId) {
        return "msg_" + requestId;
    }

    /**
     * The {@code response}: {@code status} in_progress (no output yet), completed, incomplete
     * ({@code incomplete_details.reason: max_output_tokens}) or failed ({@code error}).
     */
    ObjectNode response(
            String requestId,
            String status,
            String text,
            List<TokenLogprob> logprobs,
            TokenUsage usage,
            ObjectNode error) {
        ObjectNode r = OpenAiJson.JSON
                .createObjectNode()
                .put("id", responseId(requestId))
                .put("object", "response")
                .put("created_at", createdAt)
                .put("status", status)
                .put("model", model);
        r.set("error", error);
        if ("incomplete".equals(status)) {
            r.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            r.putNull("incomplete_details");
        }
        r.setAll(echo);
        ArrayNode output = r.putArray("output");
        if (text != null) {
            output.add(item(requestId, "completed", text, logprobs));
        }
        r.put("parallel_tool_calls", false).put("tool_choice", "none").put("store", false);
        r.putArray("tools");
        r.set("usage", usage == null ? null : usage(usage));
        return r;
    }

    /** The {@code message} output item; {@code text} null: not started (no content yet). */
    ObjectNode item(String requestId, String status, String text, List<TokenLogprob> logprobs) {
        ObjectNode item = OpenAiJson.JSON
                .createObjectNode()
                .put("type", "message")
                .put("id", itemId(requestId))
                .put("status", status)
                .put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) {
            content.add(part(text, logprobs));
        }
        return item;
    }

    /** The {@code output_text} content part. */
    static ObjectNode part(String text, List<TokenLogprob> logprobs) {
        ObjectNode part =
                OpenAiJson.JSON.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.set("logprobs", LogprobsJson.entries(logprobs));
        return part;
    }

    private static ObjectNode usage(TokenUsage u) {
        ObjectNode out = OpenAiJson.JSON.createObjectNode().put("input_tokens", u.promptTokens());
        out.putObject("input_tokens_details").put("cached_tokens", 0);
        out.put("output_tokens", u.completionTokens());
        out.putObject("output_tokens_details").put("reasoning_tokens", 0);
        out.put("total_tokens", u.promptTokens() + u.completionTokens());
        return out;
    }
}
