package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/**
 * A plain HTTP client of the OpenAI-compatible API for tests (the JDK's HttpClient, no OpenAI SDK): JSON calls, and
 * streamed calls read event by event, which the caller may stop (the connection is then closed, as a client that
 * goes away).
 */
public final class OpenAiTestClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final int port;
    private final String base;
    private final String key;

    /** {@code key} null: no Authorization header. */
    public OpenAiTestClient(int port, String key) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
    }

    public OpenAiTestClient withKey(String otherKey) {
        return new OpenAiTestClient(port, otherKey);
    }

    /** A response: status, body parsed as JSON (null when it is not JSON), raw body, request id header. */
    public record Response(int status, JsonNode json, String body, String requestId) {
        public String errorCode() {
            return json == null ? null : json.path("error").path("code").asText(null);
        }
    }

    /** A streamed response: the parsed {@code data:} events in order, and whether {@code [DONE]} ended it. */
    /** {@code eventIds}: the {@code id:} fields, in order (one per token event). */
    public record Streamed(
            int status,
            List<JsonNode> events,
            boolean done,
            String requestId,
            String contentType,
            List<Long> eventIds) {
        public String text() {
            StringBuilder sb = new StringBuilder();
            events.forEach(e -> sb.append(
                    e.path("choices").path(0).path("delta").path("content").asText("")));
            return sb.toString();
        }

        public long contentEvents() {
            return events.stream()
                    .filter(e -> e.path("choices").path(0).path("delta").has("content")
                            && !e.path("choices")
                                    .path(0)
                                    .path("delta")
                                    .path("content")
                                    .asText()
                                    .isEmpty())
                    .count();
        }
    }

    /** A chat request: one user message with the question and, when {@code png} is given, the image as a data URL. */
    public static ObjectNode chat(String question, byte[] png, int maxTokens) {
        ObjectNode r = JSON.createObjectNode()
                .put("model", "inverse-llava")
                .put("max_tokens", maxTokens)
                .put("temperature", 0);
        ObjectNode user = r.putArray("messages").addObject().put("role", "user");
        if (png == null) {
            user.put("content", question);
        } else {
            var parts = user.putArray("content");
            parts.addObject().put("type", "text").put("text", question);
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl(png));
        }
        return r;
    }

    public static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    public Response get(String path) throws Exception {
        return response(http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    public Response post(String path, String body) throws Exception {
        return response(http.send(
                request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    public Response chatCompletion(ObjectNode body) throws Exception {
        return post("/v1/chat/completions", body.toString());
    }

    /** Streams {@code body} (with {@code stream: true}) and reads events while {@code more} says so, then closes. */
    public Streamed stream(ObjectNode body, Predicate<List<JsonNode>> more) throws Exception {
        body.put("stream", true);
        return read(
                http.send(
                        request("/v1/chat/completions")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream()),
                more);
    }

    /** The rest of the streamed answer {@code requestId} after event {@code lastEventId} (null: no header). */
    public Streamed resume(String requestId, String lastEventId) throws Exception {
        HttpRequest.Builder b =
                request("/v1/chat/completions/" + requestId + "/stream").GET();
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return read(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()), events -> true);
    }

    private static Streamed read(HttpResponse<InputStream> r, Predicate<List<JsonNode>> more) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        boolean done = false;
        String type = r.headers().firstValue("content-type").orElse("");
        try (InputStream in = r.body();
                BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (!type.startsWith("text/event-stream")) {
                events.add(JSON.readTree(lines.lines().reduce("", String::concat)));
                return new Streamed(
                        r.statusCode(),
                        events,
                        false,
                        r.headers().firstValue("x-request-id").orElse(null),
                        type,
                        ids);
            }
            for (String line = lines.readLine(); line != null && more.test(events); line = lines.readLine()) {
                if (line.equals("data: [DONE]")) {
                    done = true;
                } else if (line.startsWith("data: ")) {
                    events.add(JSON.readTree(line.substring(6)));
                } else if (line.startsWith("id: ")) {
                    ids.add(Long.parseLong(line.substring(4)));
                }
            }
        }
        return new Streamed(
                r.statusCode(),
                events,
                done,
                r.headers().firstValue("x-request-id").orElse(null),
                type,
                ids);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(120))
                .header("content-type", "application/json");
        return key == null ? b : b.header("authorization", "Bearer " + key);
    }

    private static Response response(HttpResponse<String> r) {
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (Exception e) {
            json = null;
        }
        return new Response(
                r.statusCode(),
                json,
                r.body(),
                r.headers().firstValue("x-request-id").orElse(null));
    }
}
