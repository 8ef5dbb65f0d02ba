package org.invllava.evaluation.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.runner.OpenAiAnswerer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MM-Vet's grading through an OpenAI-compatible judge: here a stand-in judge on a local HTTP server (the real one
 * is a large model a user chooses) that grades by what the prompt holds.
 */
class MmVetBenchmarkTest {
    @Test
    void gradesAreAveragedOverAllAndPerCapability(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mm-vet.json"), """
                {"v1_0": {"imagename": "v1_0.png", "question": "What is x?", "answer": "-1<AND>-5", "capability": ["math"]},
                 "v1_1": {"imagename": "v1_1.png", "question": "What does the sign say?", "answer": "STOP",
                          "capability": ["ocr", "rec"]},
                 "v1_2": {"imagename": "v1_2.png", "question": "Which animal?", "answer": "cat", "capability": ["rec"]}}
                """);
        List<String> prompts = new CopyOnWriteArrayList<>();
        HttpServer judge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        judge.createContext("/v1/chat/completions", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            prompts.add(body);
            String grade = body.contains("What is x? | -1 <AND> -5 | x = -1 |") ? "0.5"
                    : body.contains("| STOP | STOP |") ? "1.0" : "I cannot grade this";
            byte[] out = ("{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"" + grade + "\"}}]}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, out.length);
            x.getResponseBody().write(out);
            x.close();
        });
        judge.start();
        try {
            Benchmark b = MmVetBenchmark.of(dir.resolve("mm-vet.json"), dir, new OpenAiAnswerer(
                    "http://127.0.0.1:" + judge.getAddress().getPort() + "/v1", null, "judge", 8, 0, Duration.ofSeconds(10)));
            assertEquals(3, b.items().size());
            Score s = b.score(Map.of("v1_0", "x = -1", "v1_1", "STOP", "v1_2", "a dog"));
            assertEquals(50.0, s.metrics().get("score"), 1e-9); // (0.5 + 1.0 + 0) / 3
            assertEquals(50.0, s.categories().get("math").get("score"), 1e-9);
            assertEquals(100.0, s.categories().get("ocr").get("score"), 1e-9);
            assertEquals(50.0, s.categories().get("rec").get("score"), 1e-9); // (1.0 + 0) / 2
            assertEquals(1 + 1 + 5, prompts.size(), "an unreadable grade is asked for five times");
            assertTrue(prompts.get(0).contains("Just complete the last space of the correctness score."), prompts.get(0));
        } finally {
            judge.stop(0);
        }
    }
}
