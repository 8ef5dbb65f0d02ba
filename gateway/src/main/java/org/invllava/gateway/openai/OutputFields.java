package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.RequestFields;
import org.invllava.wire.json.JsonSchema;

/**
 * The output fields the OpenAI APIs share, each checked with its exact JSON type and a 400 naming it: {@code n}
 * (1..{@link #MAX_N}), log probabilities, and a response format ({@code text}, {@code json_object},
 * {@code json_schema}: compiled here, so an unsupported keyword is refused before anything is published).
 */
final class OutputFields {
    /** Choices of one request, at most (the fusion LLM's cap). */
    static final int MAX_N = 8;
    /** Alternatives per token in chat and Responses, at most; in legacy completions, at most {@link #MAX_COMPLETION_LOGPROBS}. */
    static final int MAX_TOP_LOGPROBS = 20;

    static final int MAX_COMPLETION_LOGPROBS = 5;
    /** Characters of a schema as JSON text, at most. */
    static final int MAX_SCHEMA_CHARS = 16_384;

    private OutputFields() {}

    static int n(JsonNode root) throws GatewayError {
        if (!RequestFields.present(root, "n")) {
            return 1;
        }
        JsonNode n = root.get("n");
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > MAX_N) {
            throw RequestFields.invalid("n must be an integer from 1 to " + MAX_N);
        }
        return n.asInt();
    }

    /** Chat's {@code logprobs} (boolean) and {@code top_logprobs} (0..20, only with logprobs): −1 when off. */
    static int chatLogprobs(JsonNode root) throws GatewayError {
        if (RequestFields.present(root, "logprobs") && !root.get("logprobs").isBoolean()) {
            throw RequestFields.invalid("logprobs must be true or false");
        }
        boolean on = root.path("logprobs").asBoolean(false);
        if (!RequestFields.present(root, "top_logprobs")) {
            return on ? 0 : -1;
        }
        if (!on) {
            throw RequestFields.invalid("top_logprobs needs logprobs: true");
        }
        return topLogprobs(root.get("top_logprobs"), "top_logprobs", MAX_TOP_LOGPROBS);
    }

    static int topLogprobs(JsonNode n, String field, int max) throws GatewayError {
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > max) {
            throw RequestFields.invalid(field + " must be an integer from 0 to " + max);
        }
        return n.asInt();
    }

    /** Chat's {@code response_format}: null for text, else the schema as JSON text. */
    static String chatFormat(JsonNode root) throws GatewayError {
        if (!RequestFields.present(root, "response_format")) {
            return null;
        }
        JsonNode format = root.get("response_format");
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw RequestFields.invalid("response_format must be an object with a type, e.g. {\"type\": \"text\"}");
        }
        JsonNode schema = format.path("json_schema");
        return format(format.get("type").asText(), schema.isObject() ? schema.get("schema") : null, "response_format");
    }

    /** The Responses API's {@code text.format}: null for text, else the schema as JSON text. */
    static String responsesFormat(JsonNode root) throws GatewayError {
        JsonNode format = root.path("text").path("format");
        if (format.isMissingNode() || format.isNull()) {
            return null;
        }
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw RequestFields.invalid("text.format must be an object with a type, e.g. {\"type\": \"text\"}");
        }
        return format(format.get("type").asText(), format.get("schema"), "text.format");
    }

    private static String format(String type, JsonNode schema, String field) throws GatewayError {
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return "{\"type\":\"object\",\"additionalProperties\":true}";
            case "json_schema":
                if (schema == null || !schema.isObject()) {
                    throw RequestFields.invalid(field + " json_schema needs a schema object");
                }
                String text = schema.toString();
                if (text.length() > MAX_SCHEMA_CHARS) {
                    throw RequestFields.invalid(field + " schema is over " + MAX_SCHEMA_CHARS + " characters");
                }
                try {
                    JsonSchema.of(schema);
                } catch (IllegalArgumentException e) {
                    throw RequestFields.invalid(field + ": " + e.getMessage());
                }
                return text;
            default:
                throw RequestFields.invalid(
                        field + " type '" + type + "' is not supported; text, json_object or json_schema");
        }
    }

    static ChatRequest.Output output(int logprobs, int n, String schema) {
        return new ChatRequest.Output(logprobs, false, n, schema, false, List.of());
    }
}
