package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestFields;

/**
 * A {@code POST /v1/responses} body, read as the chat completion it amounts to: {@code instructions} as the system
 * text, {@code input} (a string, or message items whose content is {@code input_text}, {@code input_image} with an
 * https or data URL, or an assistant's {@code output_text}), {@code max_output_tokens}, {@code temperature},
 * {@code top_p}, {@code text.format}, {@code include: ["message.output_text.logprobs"]} with {@code top_logprobs},
 * {@code metadata} (echoed back), {@code stream}. Conversations are not kept here: {@code store: true},
 * {@code previous_response_id}, {@code conversation}, {@code background} and tools are refused.
 *
 * @param chat the request as the chat completions API reads it (its image URL still to fetch, when one is given)
 */
record ResponsesRequest(ChatCompletionRequest chat, ObjectNode echo) {
    static final String LOGPROBS = "message.output_text.logprobs";
    /** Metadata pairs, at most, and characters of a value (OpenAI's limits). */
    static final int MAX_METADATA = 16;

    static final int MAX_METADATA_VALUE = 512;

    boolean stream() {
        return chat.stream();
    }

    static ResponsesRequest parse(JsonNode root, GatewayConfig config, ImageInput images) throws GatewayError {
        if (root == null || !root.isObject()) {
            throw RequestFields.invalid("the request body must be a JSON object");
        }
        refuseStateful(root);
        ObjectNode body = OpenAiJson.JSON.createObjectNode();
        for (String field : List.of("model", "temperature", "top_p", "stream", "seed", "deadline_ms")) {
            if (root.has(field)) {
                body.set(field, root.get(field));
            }
        }
        if (RequestFields.present(root, "max_output_tokens")) {
            body.set("max_tokens", root.get("max_output_tokens"));
        }
        ArrayNode messages = body.putArray("messages");
        if (RequestFields.present(root, "instructions")) {
            if (!root.get("instructions").isTextual()) {
                throw RequestFields.invalid("instructions must be a string");
            }
            messages.addObject()
                    .put("role", "system")
                    .put("content", root.get("instructions").asText());
        }
        input(root.get("input"), messages);
        int logprobs = logprobs(root);
        ChatCompletionRequest chat = ChatCompletionRequest.parse(body, config, images);
        ChatRequest withOutput =
                chat.chat().withOutput(OutputFields.output(logprobs, 1, OutputFields.responsesFormat(root)));
        ObjectNode echo = OpenAiJson.JSON.createObjectNode();
        echo.set("instructions", root.path("instructions").isTextual() ? root.get("instructions") : null);
        echo.set("max_output_tokens", root.get("max_output_tokens"));
        echo.set("metadata", metadata(root.get("metadata")));
        echo.put("temperature", withOutput.sampling().temperature())
                .put("top_p", withOutput.sampling().topP());
        echo.set(
                "text",
                root.has("text")
                        ? root.get("text")
                        : OpenAiJson.JSON
                                .createObjectNode()
                                .set(
                                        "format",
                                        OpenAiJson.JSON.createObjectNode().put("type", "text")));
        echo.put("top_logprobs", Math.max(0, logprobs));
        return new ResponsesRequest(new ChatCompletionRequest(withOutput, chat.imageUrl(), chat.stream(), false), echo);
    }

    private static void refuseStateful(JsonNode root) throws GatewayError {
        if (root.path("store").asBoolean(false)) {
            throw RequestFields.invalid("store: true is not supported: responses are not kept (send store: false, and "
                    + "the whole conversation as input)");
        }
        for (String field : List.of("previous_response_id", "conversation", "prompt")) {
            if (RequestFields.present(root, field)) {
                throw RequestFields.invalid(field + " is not supported: responses are not kept (send the whole "
                        + "conversation as input)");
            }
        }
        if (root.path("background").asBoolean(false)) {
            throw RequestFields.invalid("background is not supported: stream the response (it can be resumed with "
                    + "GET /v1/responses/{id}?stream=true&starting_after=N)");
        }
        if (root.path("tools").size() > 0) {
            throw RequestFields.invalid("tools are not supported by this model");
        }
    }

    private static int logprobs(JsonNode root) throws GatewayError {
        boolean asked = false;
        JsonNode include = root.get("include");
        if (include != null && !include.isNull()) {
            if (!include.isArray()) {
                throw RequestFields.invalid("include must be an array");
            }
            for (JsonNode i : include) {
                if (!LOGPROBS.equals(i.asText())) {
                    throw RequestFields.invalid("include: '" + i.asText() + "' is not supported; only " + LOGPROBS);
                }
                asked = true;
            }
        }
        if (!RequestFields.present(root, "top_logprobs")) {
            return asked ? 0 : -1;
        }
        int top = OutputFields.topLogprobs(root.get("top_logprobs"), "top_logprobs", OutputFields.MAX_TOP_LOGPROBS);
        return asked ? top : -1;
    }

    /** {@code input} as chat messages. */
    private static void input(JsonNode input, ArrayNode messages) throws GatewayError {
        if (input == null || input.isNull()) {
            throw RequestFields.invalid("input is required");
        }
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
            return;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw RequestFields.invalid("input must be a string or a non-empty array of message items");
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (item.has("type") && !"message".equals(item.path("type").asText())) {
                throw RequestFields.invalid(
                        at + ": item type '" + item.path("type").asText() + "' is not supported (messages only)");
            }
            ObjectNode m = messages.addObject().put("role", item.path("role").asText(""));
            JsonNode content = item.get("content");
            if (content == null || content.isTextual() || content.isNull()) {
                m.set("content", content);
                continue;
            }
            if (!content.isArray()) {
                throw RequestFields.invalid(at + ".content must be a string or an array of parts");
            }
            ArrayNode parts = m.putArray("content");
            for (int p = 0; p < content.size(); p++) {
                parts.add(part(content.get(p), at + ".content[" + p + "]"));
            }
        }
    }

    private static ObjectNode part(JsonNode part, String at) throws GatewayError {
        String type = part.path("type").asText("");
        switch (type) {
            case "input_text", "output_text" -> {
                return OpenAiJson.JSON
                        .createObjectNode()
                        .put("type", "text")
                        .put("text", part.path("text").asText(""));
            }
            case "input_image" -> {
                if (RequestFields.present(part, "file_id")) {
                    throw RequestFields.invalid(
                            at + ".file_id is not supported: send image_url (an https or data URL)");
                }
                ObjectNode out = OpenAiJson.JSON.createObjectNode().put("type", "image_url");
                out.putObject("image_url").set("url", part.get("image_url"));
                return out;
            }
            default ->
                throw RequestFields.invalid(at + ": unsupported part type '" + type
                        + "' (input_text, input_image and output_text are supported)");
        }
    }

    private static JsonNode metadata(JsonNode m) throws GatewayError {
        if (m == null || m.isNull()) {
            return OpenAiJson.JSON.createObjectNode();
        }
        if (!m.isObject() || m.size() > MAX_METADATA) {
            throw RequestFields.invalid("metadata must be an object of at most " + MAX_METADATA + " string values");
        }
        for (JsonNode v : m) {
            if (!v.isTextual() || v.asText().length() > MAX_METADATA_VALUE) {
                throw RequestFields.invalid(
                        "metadata values must be strings of at most " + MAX_METADATA_VALUE + " characters");
            }
        }
        return m;
    }
}
