package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.invllava.gateway.clients.NodeClients;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline must not change the model's output: golden greedy ids through Kafka and the WebSocket, and the golden
 * answer in clients users really have: the official {@code openai} npm client (streamed and not) and the chat page
 * in headless Chromium.
 */
class GoldenEndToEndTest {
    private static final NodeClients CLIENTS = NodeClients.ofModule();

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
        stack = StackFixture.start(
                dir,
                List.of(new ModelSource.InverseLlava(new ModelPaths(
                        golden.resolve("vision"), golden.resolve("language"), golden.resolve("inverse-llava")))),
                1);
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
            return StreamClient.ask(
                    stack.gatewayPorts().get(0),
                    StreamClient.request(
                                    expected.get("question").asText(), Files.readAllBytes(golden.resolve(image)), 24)
                            .toString());
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
        assertEquals(
                expected.get("cases").get("image.png").get("greedy_text").asText(),
                a.text().strip());
        assertEquals(
                expected.get("cases").get("image.png").get("expanded_length").asInt(),
                a.last().get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void twoConcurrentRequestsEachGetTheirOwnAnswer() throws Exception {
        CompletableFuture<StreamClient.Answer> one = CompletableFuture.supplyAsync(() -> ask("image.png"));
        CompletableFuture<StreamClient.Answer> two = CompletableFuture.supplyAsync(() -> ask("image2.png"));
        assertArrayEquals(greedy("image.png"), one.get().tokenIds());
        assertArrayEquals(greedy("image2.png"), two.get().tokenIds());
    }

    /** A value of the golden case of image.png. */
    private static JsonNode golden(String field) {
        return expected.path("cases").path("image.png").path(field);
    }

    private static String question() {
        return expected.path("question").asText();
    }

    private static String base() {
        return "http://127.0.0.1:" + stack.gatewayPorts().get(0);
    }

    @Test
    void theOfficialOpenAiClientGetsTheGoldenAnswer() throws Exception {
        JsonNode out = CLIENTS.run(
                "openai-client.mjs",
                Map.of(
                        "BASE_URL",
                        base() + "/v1",
                        "IMAGE",
                        golden.resolve("image.png").toString(),
                        "QUESTION",
                        question(),
                        "MAX_TOKENS",
                        "24"));
        String text = golden("greedy_text").asText();
        int tokens = golden("greedy_token_ids").size();
        assertEquals("inverse-llava", out.path("models").path(0).asText(), out.toString());
        assertEquals(text, out.path("plain").path("text").asText(), out.toString());
        assertEquals(
                tokens,
                out.path("plain").path("usage").path("completion_tokens").asInt(),
                out.toString());
        assertEquals(
                golden("expanded_length").asInt(),
                out.path("plain").path("usage").path("prompt_tokens").asInt());
        assertEquals(text, out.path("stream").path("text").asText(), out.toString());
        assertEquals(
                tokens,
                out.path("stream").path("usage").path("completion_tokens").asInt(),
                out.toString());
        assertEquals(
                out.path("plain").path("finish").asText(),
                out.path("stream").path("finish").asText());
        assertTrue(out.path("stream").path("contentChunks").asInt() > 1, "streamed in pieces: " + out);
        assertEquals(404, out.path("error").path("status").asInt(), out.toString());
        assertEquals("model_not_found", out.path("error").path("code").asText(), out.toString());
    }

    @Test
    void theChatPageStreamsTheGoldenAnswerInChromium() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        assumeTrue(
                Files.isExecutable(Path.of(chromium)),
                "Chromium not found at " + chromium
                        + " (Debian package chromium; .ci/run installs it): skipping the browser test");
        Path screenshot = Path.of("target/chat-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        JsonNode out = CLIENTS.run(
                "browser-chat.mjs",
                Map.of(
                        "PAGE_URL",
                        base() + "/",
                        "IMAGE",
                        golden.resolve("image.png").toString(),
                        "QUESTION",
                        question(),
                        "MAX_TOKENS",
                        "24",
                        "SCREENSHOT",
                        screenshot.toString(),
                        "CHROMIUM",
                        chromium));
        assertEquals("done", out.path("state").asText(), out.toString());
        assertNull(out.get("error").isNull() ? null : out.get("error").asText(), out.toString());
        assertEquals(golden("greedy_text").asText(), out.path("answer").asText(), out.toString());
        assertEquals("inverse-llava", out.path("model").asText());
        Set<Integer> lengths = new HashSet<>();
        out.path("seen").forEach(s -> {
            if (s.path("state").asText().equals("streaming") && s.path("length").asInt() > 0) {
                lengths.add(s.path("length").asInt());
            }
        });
        assertTrue(lengths.size() > 1, "the answer should appear piece by piece while streaming: " + out.path("seen"));
        assertTrue(out.path("stats").asText().contains("time to first token"), out.toString());
        assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
    }
}
