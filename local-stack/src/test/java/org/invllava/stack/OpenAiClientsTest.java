package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.invllava.gateway.clients.NodeClients;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI clients against the whole stack (embedded broker, demo shape): the Python {@code openai}
 * package ({@code src/test/python/openai_client.py}, installed from pip into a virtual environment under
 * {@code target/python-openai}) calls chat with log probabilities and {@code n}, the Responses API (whole, streamed,
 * resumed by sequence number, retrieved, cancelled), legacy completions with echo and log probabilities, structured
 * outputs and an error; the npm client streams a Responses answer. Every answer is checked against the model called
 * in-process: texts, token counts and log probabilities (a naive log-softmax of its logits).
 */
class OpenAiClientsTest {
    private static final String QUESTION = "What color is the square?";
    private static final String INSTRUCTIONS = "Answer briefly.";
    private static final NodeClients NODE = NodeClients.ofModule();

    @TempDir
    static Path dir;

    static LocalStack stack;
    static byte[] image;
    static Path png;
    static JsonNode out;

    @BeforeAll
    static void start() throws Exception {
        Path python = PythonVenvs.venv("python-openai", false, List.of("openai"), List.of("openai"));
        stack = StackFixture.start(dir, List.of(), 1);
        image = StackFixture.png(64, 48, 5);
        png = dir.resolve("q.png");
        Files.write(png, image);
        Process p = new ProcessBuilder(
                        python.toString(),
                        Path.of("src/test/python/openai_client.py")
                                .toAbsolutePath()
                                .toString(),
                        base(),
                        png.toString())
                .redirectErrorStream(true)
                .start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended && p.exitValue() == 0, "the Python client failed:\n" + printed);
        out = new ObjectMapper()
                .readTree(printed.strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static String base() {
        return "http://127.0.0.1:" + stack.gatewayPorts().get(0) + "/v1";
    }

    static MultimodalModel model() {
        return stack.model();
    }

    static List<PatchFeatures> features(byte[] png) {
        return png == null ? List.of() : model().encodeImages(List.of(new ImageDecoder(1L << 26).decode(png)));
    }

    static GenerationResult generate(int[] prompt, byte[] png, SamplingParams params) {
        return new Generator(model()).generate(prompt, features(png), params, (i, t, d) -> {});
    }

    static int[] withImage(String system) {
        return model().chat()
                .conversation(system, List.of(new ChatTemplate.Turn(ChatTemplate.Role.USER, QUESTION, true)));
    }

    /** log_softmax(logits)[id], the plain way. */
    static double logprob(float[] logits, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[id] - max - Math.log(sum);
    }

    @Test
    void chatLogprobsAreTheModelsAndTheStreamCarriesTheSame() {
        GenerationResult want = generate(model().chat().question(QUESTION, true), image, SamplingParams.greedy(8));
        JsonNode chat = out.path("chat");
        assertEquals(want.text(), chat.path("text").asText());
        assertEquals(want.text(), out.path("chat_stream").path("text").asText());
        assertEquals(want.tokenIds().length, chat.path("logprobs").size(), "one entry per token");
        int[] prompt = model().chat().question(QUESTION, true);
        try (Sequence seq = model().newSequence()) {
            float[] logits = seq.prefill(model().expand(prompt, features(image)));
            for (int i = 0; i < want.tokenIds().length; i++) {
                JsonNode e = chat.path("logprobs").path(i);
                assertEquals(
                        logprob(logits, want.tokenIds()[i]), e.path("logprob").asDouble(), 1e-3, "token " + i);
                assertEquals(e.path("token").asText(), e.path("top").path(0).asText(), "greedy picks the most likely");
                assertEquals(3, e.path("top").size());
                assertEquals(
                        e.path("logprob").asDouble(),
                        out.path("chat_stream").path("logprobs").path(i).asDouble(),
                        1e-6);
                logits = seq.decode(want.tokenIds()[i]);
            }
        }
        assertEquals("inverse-llava", out.path("model").asText());
        assertEquals("model_not_found", out.path("model_404").asText());
        assertEquals(400, out.path("error").path("status").asInt());
        assertEquals("invalid_request", out.path("error").path("code").asText());
    }

    @Test
    void nChoicesAreEachTheirSeedAndThePromptCountsOnce() {
        int[] pieces = model().chat().question("Describe it.", false);
        int completion = 0;
        for (int i = 0; i < 3; i++) {
            GenerationResult want = generate(pieces, null, new SamplingParams(6, 1.0, 1.0, 0, 11 + i, List.of()));
            assertEquals(want.text(), out.path("n").path("texts").path(i).asText(), "choice " + i);
            assertEquals(i, out.path("n").path("indexes").path(i).asInt());
            completion += want.tokenIds().length;
            assertEquals(
                    want.expandedPromptLength(),
                    out.path("n").path("prompt_tokens").asInt());
        }
        assertEquals(completion, out.path("n").path("completion_tokens").asInt());
    }

    @Test
    void responsesWholeStreamedResumedAndRetrievedAreTheModelsAnswer() {
        GenerationResult want = generate(withImage(INSTRUCTIONS), image, SamplingParams.greedy(8));
        JsonNode r = out.path("responses");
        assertEquals(want.text(), r.path("text").asText());
        assertEquals(
                want.finishReason() == GenerationResult.FinishReason.LENGTH ? "incomplete" : "completed",
                r.path("status").asText());
        assertEquals(want.expandedPromptLength(), r.path("input_tokens").asInt());
        assertEquals(want.tokenIds().length, r.path("output_tokens").asInt());
        assertEquals(INSTRUCTIONS, r.path("instructions").asText());
        JsonNode s = out.path("responses_stream");
        assertEquals(want.text(), s.path("deltas").asText());
        assertEquals(want.text(), s.path("text").asText());
        assertEquals(want.tokenIds().length, s.path("logprobs").asInt());
        List<String> types = new ArrayList<>();
        for (int i = 0; i < s.path("events").size(); i++) {
            assertEquals(i, s.path("events").path(i).path(1).asInt(), "sequence numbers without gaps");
            types.add(s.path("events").path(i).path(0).asText());
        }
        List<String> expected = new ArrayList<>(List.of(
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added"));
        for (int i = 0; i < want.tokenIds().length; i++) {
            expected.add("response.output_text.delta");
        }
        expected.addAll(List.of(
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response." + s.path("status").asText()));
        assertEquals(expected, types);
        JsonNode resumed = out.path("responses_resumed");
        JsonNode after = resumed.path("after");
        assertEquals(5, after.path(0).path(1).asInt(), "the events after the first delta (sequence number 4)");
        assertEquals(
                types.subList(5, types.size()),
                java.util.stream.StreamSupport.stream(after.spliterator(), false)
                        .map(e -> e.path(0).asText())
                        .toList());
        assertEquals(want.text(), resumed.path("retrieved_text").asText());
        JsonNode cancel = out.path("responses_cancel");
        assertEquals("cancelled", cancel.path("status").asText());
        assertEquals("response.failed", cancel.path("ending").asText(), "the cancelled stream ends as failed");
        assertTrue(cancel.path("deltas").asInt() < 100, "stopped well before its 1000 tokens: " + cancel);
    }

    @Test
    void echoWithLogprobsScoresThePromptAsTheModelDoes() {
        String text = "the square is blue";
        int[] ids = model().chat().raw(text);
        JsonNode e = out.path("echo");
        assertEquals(text, e.path("text").asText());
        assertEquals(0, e.path("completion_tokens").asInt());
        assertEquals(ids.length, e.path("tokens").size());
        assertTrue(e.path("token_logprobs").path(0).isNull(), "the first token has no log probability");
        assertTrue(e.path("top").path(0).isNull());
        try (Sequence seq = model().newSequence()) {
            float[] logits = seq.prefill(model().expand(new int[] {ids[0]}, List.of()));
            for (int p = 1; p < ids.length; p++) {
                assertEquals(
                        logprob(logits, ids[p]),
                        e.path("token_logprobs").path(p).asDouble(),
                        1e-3,
                        "prompt token " + p);
                assertEquals(2, e.path("top").path(p).size());
                logits = seq.decode(ids[p]);
            }
        }
        assertEquals("length", out.path("ids").path("finish").asText());
        GenerationResult fromIds = new Generator(model())
                .generate(new int[] {1, 300, 301}, List.of(), SamplingParams.greedy(4), (i, t, d) -> {});
        assertEquals(
                spelled(fromIds.tokenIds()),
                out.path("ids").path("text").asText(),
                "a completion's text is exactly what its tokens spell, leading space included");
    }

    /** The text {@code ids} spell, nothing stripped. */
    static String spelled(int[] ids) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            bytes.writeBytes(model().tokenizer().tokenBytes(id));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void severalPromptsAreOneResponseWithEachPromptsChoicesInOrder() {
        JsonNode r = out.path("prompts");
        List<String> prompts = List.of("the sky is", "the square is");
        int promptTokens = 0;
        for (int i = 0; i < 2; i++) {
            int[] ids = model().chat().raw(prompts.get(i));
            promptTokens += ids.length;
            for (int j = 0; j < 2; j++) {
                GenerationResult want = new Generator(model())
                        .generate(
                                ids, List.of(), new SamplingParams(3, 1.0, 1.0, 0, 5 + j, List.of()), (x, t, d) -> {});
                assertEquals(
                        spelled(want.tokenIds()),
                        r.path("texts").path(i * 2 + j).asText(),
                        "prompt " + i + " choice " + j);
                assertEquals(i * 2 + j, r.path("indexes").path(i * 2 + j).asInt());
                assertEquals(
                        r.path("texts").path(i * 2 + j).asText(),
                        r.path("streamed").path(i * 2 + j).asText(),
                        "the merged stream carries the same choices");
            }
        }
        assertEquals(promptTokens, r.path("prompt_tokens").asInt(), "each prompt counted once");
    }

    @Test
    void everyStructuredAnswerParsesAndFitsItsSchema() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertEquals(11, out.path("json").size());
        for (JsonNode answer : out.path("json")) {
            JsonNode doc = json.readTree(answer.asText());
            assertTrue(
                    List.of("red", "green", "blue", "yellow")
                            .contains(doc.path("color").asText()),
                    answer.asText());
            assertTrue(doc.path("count").isIntegralNumber(), answer.asText());
            assertEquals(2, doc.size(), answer.asText());
        }
    }

    @Test
    void theNpmClientStreamsAResponse() throws Exception {
        GenerationResult want = generate(model().chat().question(QUESTION, true), image, SamplingParams.greedy(6));
        JsonNode r = NODE.run(
                "responses-stream.mjs",
                Map.of("BASE_URL", base(), "IMAGE", png.toString(), "QUESTION", QUESTION, "MAX_TOKENS", "6"));
        assertEquals(want.text(), r.path("deltas").asText());
        assertEquals(want.text(), r.path("text").asText());
        assertEquals(want.tokenIds().length, r.path("outputTokens").asInt());
        assertEquals("response.created", r.path("events").path(0).path(0).asText());
        assertEquals(4 + want.tokenIds().length + 4, r.path("events").size());
    }
}
