package org.invllava.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.invllava.schemas.ErrorCode;

/**
 * One client of a fault drill: asks its question on {@code /v1/stream} and, whenever its socket breaks or a gateway
 * refuses it, connects to the next gateway and resumes after the last token it has (or asks again if it was never
 * accepted), until its answer is done or its time is up. Records each token's index, id and arrival time.
 */
final class ChaosClient {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ObjectNode request;
    private final List<Integer> ports;
    private final TreeMap<Integer, Integer> tokens = new TreeMap<>(); // index -> token id
    private final List<Long> arrivals = new ArrayList<>(); // nanoTime of each new token
    private String id;
    private int duplicates;
    private int reconnects;
    private String outcome = "lost";

    ChaosClient(ObjectNode request, List<Integer> ports) {
        this.request = request;
        this.ports = ports;
    }

    /** Runs until the answer ends (done, or an error after it was accepted) or {@code until} (nanoTime) passes. */
    void run(int firstGateway, long until) {
        for (int attempt = 0; System.nanoTime() < until; attempt++) {
            int port = ports.get((firstGateway + attempt) % ports.size());
            String ended = once(port, until);
            if (ended != null) {
                outcome = ended;
                return;
            }
            reconnects++;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One connection: "done", an error code after acceptance, or null to try again. */
    private String once(int port, long until) {
        CompletableFuture<String> end = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        WebSocket socket;
        try {
            socket = HTTP.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/stream"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                onMessage(partial.toString(), end);
                                partial.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                            end.complete(null);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket ws, Throwable error) {
                            end.complete(null);
                        }
                    })
                    .get(10, TimeUnit.SECONDS);
            String first;
            synchronized (this) {
                first = id == null
                        ? request.toString()
                        : StreamClient.JSON
                                .createObjectNode()
                                .put("type", "resume")
                                .put("id", id)
                                .put("after", tokens.isEmpty() ? -1 : lastIndex())
                                .toString();
            }
            socket.sendText(first, true).get(10, TimeUnit.SECONDS);
            String result = end.get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            socket.abort();
            return result;
        } catch (Exception e) {
            return null; // refused, broken or timed out: the caller tries the next gateway
        }
    }

    private synchronized void onMessage(String text, CompletableFuture<String> end) {
        JsonNode m;
        try {
            m = StreamClient.JSON.readTree(text);
        } catch (Exception e) {
            return;
        }
        switch (m.path("type").asText()) {
            case "accepted" -> id = m.path("id").asText();
            case "token" -> {
                int index = m.path("index").asInt();
                if (tokens.containsKey(index)
                        || (!tokens.isEmpty() && index != lastIndex() + 1)
                        || (tokens.isEmpty() && index != 0)) {
                    duplicates++; // a token twice, or one out of order
                    return;
                }
                tokens.put(index, m.path("token_ids").path(0).asInt());
                arrivals.add(System.nanoTime());
            }
            case "done" -> end.complete("done");
            case "error" -> {
                String code = m.path("code").asText();
                // not ready, over a limit, or unavailable (Kafka out of reach, the answer stopped by the service):
                // resume (or ask again) through the next gateway, as the docs tell clients to
                boolean retry = id == null
                        || code.equals(ErrorCode.NOT_READY.code())
                        || code.equals(ErrorCode.RATE_LIMITED.code())
                        || code.equals(ErrorCode.UNAVAILABLE.code());
                end.complete(retry ? null : code);
            }
            default -> {}
        }
    }

    private int lastIndex() {
        return tokens.lastKey();
    }

    synchronized String id() {
        return id;
    }

    synchronized String outcome() {
        return outcome;
    }

    synchronized int duplicates() {
        return duplicates;
    }

    synchronized int reconnects() {
        return reconnects;
    }

    synchronized int[] tokenIds() {
        return tokens.values().stream().mapToInt(Integer::intValue).toArray();
    }

    /** The longest pause between two tokens, in seconds (0 with fewer than two). */
    synchronized double longestGap() {
        return longestGap(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** The longest pause between two tokens that began in [{@code from}, {@code to}) (nanoTime), in seconds. */
    synchronized double longestGap(long from, long to) {
        long most = 0;
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i - 1) >= from && arrivals.get(i - 1) < to) {
                most = Math.max(most, arrivals.get(i) - arrivals.get(i - 1));
            }
        }
        return most / 1e9;
    }
}
