package org.invllava.evaluation.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.invllava.evaluation.bench.Answerer;

/**
 * Answers through any OpenAI-compatible chat-completions endpoint (ours: the gateway, through Kafka; or another
 * server): one non-streaming request per question, the image as a data URL, temperature 0. A server that is busy
 * (429, 503) is asked again after a back-off, up to {@code retries} times.
 */
public final class OpenAiAnswerer implements Answerer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI completions;
    private final String apiKey;
    private final String model;
    private final int maxTokens;
    private final int retries;
    private final Duration timeout;

    /** {@code baseUrl} like {@code http://127.0.0.1:8080/v1}; {@code model} null for the server's default. */
    public OpenAiAnswerer(String baseUrl, String apiKey, String model, int maxTokens, int retries, Duration timeout) {
        this.completions = URI.create(baseUrl.replaceAll("/+$", "") + "/chat/completions");
        this.apiKey = apiKey;
        this.model = model;
        this.maxTokens = maxTokens;
        this.retries = retries;
        this.timeout = timeout;
    }

    @Override
    public String label() {
        return model != null ? model : completions.getAuthority();
    }

    @Override
    public String answer(String prompt, byte[] image) throws Exception {
        String body = JSON.writeValueAsString(request(prompt, image));
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(completions)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (apiKey != null) {
                req.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if ((resp.statusCode() == 429 || resp.statusCode() == 503) && attempt < retries) {
                Thread.sleep(Math.min(5000, 200L << Math.min(attempt, 5)));
                continue;
            }
            if (resp.statusCode() != 200) {
                throw new IOException(completions + " answered " + resp.statusCode() + ": " + abbreviate(resp.body()));
            }
            JsonNode content = JSON.readTree(resp.body())
                    .path("choices")
                    .path(0)
                    .path("message")
                    .path("content");
            if (!content.isTextual()) {
                throw new IOException(completions + " sent no choices[0].message.content: " + abbreviate(resp.body()));
            }
            return content.asText();
        }
    }

    ObjectNode request(String prompt, byte[] image) {
        ObjectNode root = JSON.createObjectNode()
                .put("temperature", 0)
                .put("max_tokens", maxTokens)
                .put("stream", false);
        if (model != null) {
            root.put("model", model);
        }
        ObjectNode message = root.putArray("messages").addObject().put("role", "user");
        ArrayNode content = message.putArray("content");
        content.addObject().put("type", "text").put("text", prompt);
        if (image != null) {
            content.addObject()
                    .put("type", "image_url")
                    .putObject("image_url")
                    .put(
                            "url",
                            "data:" + mediaType(image) + ";base64,"
                                    + Base64.getEncoder().encodeToString(image));
        }
        return root;
    }

    static String mediaType(byte[] image) {
        return image.length > 3 && (image[0] & 0xFF) == 0xFF && (image[1] & 0xFF) == 0xD8 ? "image/jpeg" : "image/png";
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
