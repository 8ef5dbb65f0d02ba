package org.invllava.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.invllava.schemas.ErrorCode;

/**
 * Request fields both APIs share, read from the JSON body and checked against the gateway's limits:
 * {@code max_completion_tokens} / {@code max_tokens}, {@code temperature}, {@code top_p}, {@code seed},
 * {@code stop} (a string or up to 4 strings) and {@code deadline_ms}; also the text checks every turn passes.
 */
public final class RequestFields {
    private static final String IMAGE_PLACEHOLDER = "<image>";
    private static final int MAX_STOP = 4;
    /** Characters of one stop string, at most. */
    public static final int MAX_STOP_CHARS = 256;
    /** Messages of one conversation, at most (each also costs template text: see {@link #TURN_TEMPLATE_CHARS}). */
    public static final int MAX_MESSAGES = 64;
    /** What the vicuna_v1 template adds around each turn ({@code " USER: "}, {@code " ASSISTANT: "}, {@code "</s>"}). */
    public static final int TURN_TEMPLATE_CHARS = 16;

    private RequestFields() {}

    public static ChatRequest.Sampling sampling(JsonNode root, GatewayConfig.Limits limits) throws GatewayError {
        String tokensField = present(root, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        return sampling(root, limits, maxTokens(root, tokensField, 1, limits.defaultMaxTokens(), limits));
    }

    /** {@code field} (tokens to generate): {@code fallback} when absent, else between {@code min} and the limit. */
    public static int maxTokens(JsonNode root, String field, int min, int fallback, GatewayConfig.Limits limits)
            throws GatewayError {
        int maxTokens = integer(root, field, fallback);
        if (maxTokens < min || maxTokens > limits.maxTokens()) {
            throw invalid(field + " must be between " + min + " and " + limits.maxTokens());
        }
        return maxTokens;
    }

    /** The sampling fields other than the token limit, which is {@code maxTokens}. */
    public static ChatRequest.Sampling sampling(JsonNode root, GatewayConfig.Limits limits, int maxTokens)
            throws GatewayError {
        double temperature = number(root, "temperature", 0.0);
        if (!(temperature >= 0) || temperature > 100) {
            throw invalid("temperature must be between 0 and 100");
        }
        double topP = number(root, "top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw invalid("top_p must be in (0, 1]");
        }
        JsonNode seed = root.get("seed");
        if (present(root, "seed") && !(seed.isIntegralNumber() && seed.canConvertToLong())) {
            throw invalid("seed must be an integer");
        }
        return new ChatRequest.Sampling(
                maxTokens, temperature, topP, present(root, "seed") ? seed.asLong() : 0, stop(root.get("stop")));
    }

    /** The request's {@code deadline_ms}, at most the configured deadline, which is also the default. */
    public static Duration deadline(JsonNode root, GatewayConfig.Limits limits) throws GatewayError {
        if (!present(root, "deadline_ms")) {
            return limits.deadline();
        }
        long ms = integer(root, "deadline_ms", 0);
        if (ms < 1 || ms > limits.deadline().toMillis()) {
            throw invalid(
                    "deadline_ms must be between 1 and " + limits.deadline().toMillis());
        }
        return Duration.ofMillis(ms);
    }

    /** A turn's text: no {@code <image>} (only the template places it). */
    public static String text(String text, String what) throws GatewayError {
        if (text.contains(IMAGE_PLACEHOLDER)) {
            throw invalid(what + " must not contain '" + IMAGE_PLACEHOLDER + "' (send the image as an image part)");
        }
        return text;
    }

    /** The whole conversation's text must fit the gateway's character limit. */
    public static void promptLength(int chars, GatewayConfig.Limits limits) throws GatewayError {
        if (chars > limits.maxPromptChars()) {
            throw new GatewayError(
                    ErrorCode.PROMPT_TOO_LONG,
                    "the prompt is " + chars + " characters, over the limit of " + limits.maxPromptChars());
        }
    }

    private static List<String> stop(JsonNode stop) throws GatewayError {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            out.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= MAX_STOP) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw invalid("stop must be a string or an array of strings");
                }
                out.add(s.asText());
            }
        } else {
            throw invalid("stop must be a string or an array of at most " + MAX_STOP + " strings");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw invalid("stop strings must not be empty");
        }
        if (out.stream().anyMatch(s -> s.length() > MAX_STOP_CHARS)) {
            throw invalid("stop strings must be at most " + MAX_STOP_CHARS + " characters");
        }
        return out;
    }

    public static boolean present(JsonNode root, String name) {
        JsonNode n = root.get(name);
        return n != null && !n.isNull();
    }

    public static int integer(JsonNode root, String name, int fallback) throws GatewayError {
        if (!present(root, name)) {
            return fallback;
        }
        JsonNode n = root.get(name);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw invalid(name + " must be an integer");
        }
        return n.asInt();
    }

    private static double number(JsonNode root, String name, double fallback) throws GatewayError {
        if (!present(root, name)) {
            return fallback;
        }
        JsonNode n = root.get(name);
        if (!n.isNumber()) {
            throw invalid(name + " must be a number");
        }
        return n.asDouble();
    }

    public static GatewayError invalid(String message) {
        return new GatewayError(ErrorCode.INVALID_REQUEST, message);
    }
}
