package org.invllava.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import org.invllava.schemas.ErrorCodes;

/**
 * The client's one message on {@code /v1/stream}:
 * {@code {"prompt": "...", "image": "<base64>", "max_tokens": N, "temperature": T, "top_p": P, "seed": S}},
 * image optional. {@link #parse} checks every field against the gateway's limits.
 */
record StreamRequest(String prompt, byte[] image, int maxTokens, double temperature, double topP, long seed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request the gateway refuses, with the code and message the client receives. */
    static final class Invalid extends Exception {
        final String code;

        Invalid(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    static StreamRequest parse(String text, GatewayConfig limits) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (Exception e) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "malformed JSON message");
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "the message must be a JSON object");
        }
        JsonNode prompt = root.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "prompt must be a non-empty string");
        }
        if (prompt.asText().length() > limits.maxPromptChars()) {
            throw new Invalid(ErrorCodes.PROMPT_TOO_LONG, "prompt of " + prompt.asText().length()
                    + " characters exceeds the limit of " + limits.maxPromptChars());
        }
        byte[] image = null;
        JsonNode img = root.get("image");
        if (img != null && !img.isNull()) {
            if (!img.isTextual()) {
                throw new Invalid(ErrorCodes.INVALID_IMAGE, "image must be a base64 string");
            }
            String b64 = img.asText();
            int comma = b64.startsWith("data:") ? b64.indexOf(',') : -1;
            try {
                image = Base64.getMimeDecoder().decode(b64.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                throw new Invalid(ErrorCodes.INVALID_IMAGE, "image is not valid base64");
            }
            if (image.length == 0) {
                throw new Invalid(ErrorCodes.INVALID_IMAGE, "image is empty");
            }
            if (image.length > limits.maxImageBytes()) {
                throw new Invalid(ErrorCodes.IMAGE_TOO_LARGE, "image of " + image.length + " bytes exceeds the limit of "
                        + limits.maxImageBytes());
            }
        }
        int maxTokens = intField(root, "max_tokens", limits.defaultMaxTokens());
        if (maxTokens < 1 || maxTokens > limits.maxTokensLimit()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "max_tokens must be between 1 and " + limits.maxTokensLimit());
        }
        double temperature = number(root, "temperature", 0.0);
        double topP = number(root, "top_p", 1.0);
        if (!(temperature >= 0) || temperature > 100) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "temperature must be between 0 and 100");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "top_p must be in (0, 1]");
        }
        JsonNode seed = root.get("seed");
        if (seed != null && !seed.isNull() && !seed.canConvertToLong()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, "seed must be an integer");
        }
        return new StreamRequest(prompt.asText(), image, maxTokens, temperature, topP,
                seed == null || seed.isNull() ? 0 : seed.asLong());
    }

    private static int intField(JsonNode root, String name, int fallback) throws Invalid {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, name + " must be an integer");
        }
        return n.asInt();
    }

    private static double number(JsonNode root, String name, double fallback) throws Invalid {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new Invalid(ErrorCodes.INVALID_REQUEST, name + " must be a number");
        }
        return n.asDouble();
    }
}
