package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.invllava.gateway.TokenUsage;
import org.invllava.schemas.ErrorCode;

/** The OpenAI API's JSON objects, field for field as the official clients parse them. */
public final class OpenAiJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiJson() {}

    /** {@code {"error": {"message", "type", "param", "code"}}}; the type follows the HTTP status. */
    public static ObjectNode error(String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error")
                .put("message", message)
                .put("type", type(ErrorCode.of(code).httpStatus()))
                .putNull("param")
                .put("code", code);
        return root;
    }

    private static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            case 500, 503 -> "server_error";
            case 504 -> "timeout_error";
            default -> "invalid_request_error";
        };
    }

    static ObjectNode models(List<String> modelIds, long created) {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        var data = root.putArray("data");
        for (String id : modelIds) {
            data.add(model(id, created));
        }
        return root;
    }

    /** One {@code model} object ({@code GET /v1/models/{id}}). */
    static ObjectNode model(String id, long created) {
        return JSON.createObjectNode()
                .put("id", id)
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "inverse-llava");
    }

    /** A {@code chat.completion}: every choice's whole answer, with its log probabilities when asked for. */
    static ObjectNode completion(
            String id, long created, String model, Choices choices, String finishReason, TokenUsage usage) {
        ObjectNode root = header(id, "chat.completion", created, model);
        var list = root.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            ObjectNode choice = list.addObject().put("index", i);
            choice.putObject("message")
                    .put("role", "assistant")
                    .put("content", choices.text[i].toString())
                    .putNull("refusal");
            choice.set("logprobs", choices.anyLogprobs ? LogprobsJson.chat(choices.logprobs.get(i)) : null);
            choice.put("finish_reason", choices.finish(i, finishReason));
        }
        root.set("usage", usage(usage));
        return root;
    }

    /**
     * A {@code chat.completion.chunk} with one choice ({@code index}): {@code delta} holds {@code role} (first chunk)
     * and/or {@code content}; a choice's last has an empty delta and its finish reason.
     */
    static ObjectNode chunk(
            String id,
            long created,
            String model,
            int index,
            String role,
            String content,
            String finishReason,
            ObjectNode logprobs,
            boolean withUsageField) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject().put("index", index);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        choice.set("logprobs", logprobs);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (withUsageField) {
            root.putNull("usage");
        }
        return root;
    }

    /**
     * The extra last chunk of {@code stream_options.include_usage}: no choices, the usage; {@code object} is the
     * stream's chunk type ({@code chat.completion.chunk}, {@code text_completion}).
     */
    static ObjectNode usageChunk(String id, String object, long created, String model, TokenUsage usage) {
        ObjectNode root = header(id, object, created, model);
        root.putArray("choices");
        root.set("usage", usage(usage));
        return root;
    }

    static ObjectNode header(String id, String object, long created, String model) {
        ObjectNode root = JSON.createObjectNode()
                .put("id", id)
                .put("object", object)
                .put("created", created)
                .put("model", model);
        root.putNull("system_fingerprint");
        return root;
    }

    static ObjectNode usage(TokenUsage usage) {
        int prompt = usage == null ? 0 : usage.promptTokens();
        int completion = usage == null ? 0 : usage.completionTokens();
        return JSON.createObjectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /**
     * OpenAI's finish reasons. A cancelled answer reaches a client as one only when that client cancelled it
     * ({@code Answer}: any other cancel is an {@code unavailable} error), which an SSE client does by leaving: such an
     * answer is written nowhere, and reads as {@code stop} if it were.
     */
    static String finishReason(String ours) {
        return "length".equals(ours) ? "length" : "stop";
    }
}
