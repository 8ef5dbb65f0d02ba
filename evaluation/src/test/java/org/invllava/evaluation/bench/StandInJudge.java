package org.invllava.evaluation.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.invllava.evaluation.runner.OpenAiAnswerer;

/**
 * A stand-in judge model on a local HTTP server (the real one is a large model a user chooses): an OpenAI-compatible
 * {@code /v1/chat/completions} that replies {@code reply(request body)} and keeps every request body.
 */
final class StandInJudge implements AutoCloseable {
    private final HttpServer server;
    private final List<String> prompts = new CopyOnWriteArrayList<>();

    StandInJudge(UnaryOperator<String> reply) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            prompts.add(body);
            byte[] out = ("{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"" + reply.apply(body)
                            + "\"}}]}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, out.length);
            x.getResponseBody().write(out);
            x.close();
        });
        server.start();
    }

    /** A client of this judge, as the eval command makes one (no retries). */
    OpenAiAnswerer client() {
        return new OpenAiAnswerer(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                null,
                "judge",
                8,
                0,
                Duration.ofSeconds(10));
    }

    /** The request bodies received so far. */
    List<String> prompts() {
        return prompts;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
