package org.invllava.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** A WebSocket client of {@code /v1/stream}: sends one request and collects the messages until the end. */
public final class StreamClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** One client for every socket, as a real application keeps it (each new one starts its own selector thread). */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Everything the server sent, in order, and how the socket ended. */
    public record Answer(List<JsonNode> messages, int closeCode) {
        public List<JsonNode> tokens() {
            return messages.stream()
                    .filter(m -> m.path("type").asText().equals("token"))
                    .toList();
        }

        public int[] tokenIds() {
            return tokens().stream()
                    .flatMap(t -> {
                        List<Integer> ids = new ArrayList<>();
                        t.get("token_ids").forEach(n -> ids.add(n.asInt()));
                        return ids.stream();
                    })
                    .mapToInt(Integer::intValue)
                    .toArray();
        }

        public JsonNode last() {
            return messages.get(messages.size() - 1);
        }

        public String text() {
            StringBuilder sb = new StringBuilder();
            tokens().forEach(t -> sb.append(t.get("text").asText()));
            return sb.toString();
        }
    }

    public static ObjectNode request(String prompt, byte[] image, int maxTokens) {
        ObjectNode r = JSON.createObjectNode()
                .put("prompt", prompt)
                .put("max_tokens", maxTokens)
                .put("temperature", 0);
        if (image != null) {
            r.put("image", Base64.getEncoder().encodeToString(image));
        }
        return r;
    }

    public static Answer ask(int port, String message) throws Exception {
        return ask(port, message, m -> {});
    }

    /** Sends {@code message}; {@code onMessage} sees every server message as it arrives. */
    public static Answer ask(int port, String message, Consumer<JsonNode> onMessage) throws Exception {
        return ask(port, message, (m, socket) -> onMessage.accept(m));
    }

    /** As {@link #ask(int, String, Consumer)}, with the socket, so the client can send follow-ups (cancel). */
    public static Answer ask(int port, String message, BiConsumer<JsonNode, WebSocket> onMessage) throws Exception {
        List<JsonNode> messages = new ArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        WebSocket ws = HTTP.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/stream"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            try {
                                JsonNode m = JSON.readTree(partial.toString());
                                synchronized (messages) {
                                    messages.add(m);
                                }
                                onMessage.accept(m, socket);
                            } catch (Exception e) {
                                closed.completeExceptionally(e);
                            }
                            partial.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket socket, Throwable error) {
                        closed.completeExceptionally(error);
                    }
                })
                .get(10, TimeUnit.SECONDS);
        ws.sendText(message, true).get(30, TimeUnit.SECONDS);
        int code = closed.get(120, TimeUnit.SECONDS);
        synchronized (messages) {
            return new Answer(List.copyOf(messages), code);
        }
    }
}
