package org.invllava.gateway.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestFields;
import org.invllava.gateway.ResumeRequest;
import org.invllava.gateway.ServedModels;
import org.invllava.schemas.ErrorCode;

/**
 * The client's one message on {@code /v1/stream}: {@code {"prompt": "...", "image": "<base64 or data URL>",
 * "model": "...", "max_tokens": N, "temperature": T, "top_p": P, "seed": S, "stop": [...], "deadline_ms": D}}, all but the prompt
 * optional, checked against the gateway's limits.
 */
final class StreamRequest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamRequest() {}

    /**
     * The resume message ({@code {"type":"resume","id":"...","after":N}}: the answer to pick up, after its token
     * {@code N}) {@code text} holds, or null when it is not one (then it is a request).
     */
    static ResumeRequest resume(String text) throws GatewayError {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (Exception e) {
            return null; // parse() reports it
        }
        if (root == null || !"resume".equals(root.path("type").asText())) {
            return null;
        }
        JsonNode id = root.get("id");
        JsonNode after = root.path("after");
        if (!after.isMissingNode() && !(after.isIntegralNumber() && after.canConvertToLong())) {
            return ResumeRequest.parse(id == null ? null : id.asText(), "not an index"); // refused as SSE refuses it
        }
        return ResumeRequest.of(
                        id == null || !id.isTextual() ? null : id.asText(), after.isMissingNode() ? -1 : after.asLong())
                .withModel(root.path("model").isTextual() ? root.path("model").asText() : null);
    }

    static ChatRequest parse(String text, GatewayConfig.Limits limits, ServedModels models, ImageInput images)
            throws GatewayError {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (Exception e) {
            throw RequestFields.invalid("malformed JSON message");
        }
        if (root == null || !root.isObject()) {
            throw RequestFields.invalid("the message must be a JSON object");
        }
        String model = models.resolve(root);
        JsonNode prompt = root.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw RequestFields.invalid("prompt must be a non-empty string");
        }
        RequestFields.promptLength(prompt.asText().length(), limits);
        byte[] image = null;
        if (RequestFields.present(root, "image")) {
            if (!root.get("image").isTextual()) {
                throw new GatewayError(ErrorCode.INVALID_IMAGE, "image must be a base64 string");
            }
            image = images.fromBase64(root.get("image").asText());
        }
        return new ChatRequest(
                model,
                null,
                List.of(),
                RequestFields.text(prompt.asText(), "prompt"),
                image,
                RequestFields.sampling(root, limits),
                RequestFields.deadline(root, limits));
    }
}
