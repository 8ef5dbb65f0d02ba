package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.invllava.runtime.model.ModelPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline must not change the model's output: golden greedy ids through Kafka and the WebSocket. */
class GoldenEndToEndTest {
    @TempDir
    static Path dir;
    static LocalStack stack;
    static Path golden;
    static JsonNode expected;

    @BeforeAll
    static void start() throws Exception {
        golden = locate();
        assumeTrue(golden != null, "golden cases not found (../shared/golden); skipping the golden end-to-end test");
        expected = StreamClient.JSON.readTree(golden.resolve("expected.json").toFile());
        stack = StackFixture.start(dir, new ModelPaths(golden.resolve("vision"), golden.resolve("language"),
                golden.resolve("inverse-llava")), 1);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static Path locate() {
        String prop = System.getProperty("golden.dir");
        if (prop != null && Files.isDirectory(Path.of(prop, "tiny-inverse-llava"))) {
            return Path.of(prop, "tiny-inverse-llava");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolveSibling("shared").resolve("golden/tiny-inverse-llava");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        return null;
    }

    private static StreamClient.Answer ask(String image) {
        try {
            return StreamClient.ask(stack.gatewayPorts().get(0), StreamClient.request(expected.get("question").asText(),
                    Files.readAllBytes(golden.resolve(image)), 24).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] greedy(String image) {
        JsonNode ids = expected.get("cases").get(image).get("greedy_token_ids");
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asInt();
        }
        return out;
    }

    @Test
    void goldenImageGivesTheGoldenGreedyIds() {
        StreamClient.Answer a = ask("image.png");
        assertArrayEquals(greedy("image.png"), a.tokenIds());
        assertEquals(expected.get("cases").get("image.png").get("greedy_text").asText(), a.text().strip());
        assertEquals(expected.get("cases").get("image.png").get("expanded_length").asInt(),
                a.last().get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void twoConcurrentRequestsEachGetTheirOwnAnswer() throws Exception {
        CompletableFuture<StreamClient.Answer> one = CompletableFuture.supplyAsync(() -> ask("image.png"));
        CompletableFuture<StreamClient.Answer> two = CompletableFuture.supplyAsync(() -> ask("image2.png"));
        assertArrayEquals(greedy("image.png"), one.get().tokenIds());
        assertArrayEquals(greedy("image2.png"), two.get().tokenIds());
    }
}
