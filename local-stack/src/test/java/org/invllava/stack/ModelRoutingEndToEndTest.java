package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.runtime.demo.DemoLlavaFactory;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One stack serving Inverse-LLaVA, the LLaVA-1.5 baseline (both demo checkpoints) and DPA (the committed reference
 * case, {@code tools/dpa-golden}): {@code model} routes each request to its own model's services through that model's
 * topics; answers equal each model run in-process, and DPA's its reference's greedy ids.
 */
class ModelRoutingEndToEndTest {
    @TempDir
    static Path dir;

    static LocalStack stack;
    static OpenAiTestClient client;
    static final byte[] IMAGE = StackFixture.png(120, 80, 12);
    /** The DPA reference case the runtime's golden tests read (committed, no ../shared needed). */
    static final Path DPA = Path.of("../runtime/src/test/resources/golden/tiny-dpa");

    @BeforeAll
    static void start() throws Exception {
        ModelSource inverse =
                new ModelSource.InverseLlava(DemoModelFactory.writeRandomDemo(dir.resolve("inverse-llava")));
        ModelSource llava = new ModelSource.Llava(new LlavaPaths(
                new DemoLlavaFactory(ModelShape.tiny(), DType.F32, 8).write(dir.resolve("llava-1.5")), null));
        ModelSource dpa = new ModelSource.Dpa(DPA.resolve("separated"), DPA.resolve("refs"));
        stack = StackFixture.start(dir.resolve("stack"), List.of(inverse, llava, dpa), 1);
        client = new OpenAiTestClient(stack.gatewayPorts().get(0), null);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void modelsListsAllThreeAndTheFirstIsTheDefault() throws Exception {
        OpenAiTestClient.Response r = client.get("/v1/models");
        assertEquals(200, r.status(), r.body());
        assertEquals(3, r.json().path("data").size());
        assertEquals("inverse-llava", r.json().path("data").path(0).path("id").asText());
        assertEquals("llava-1.5", r.json().path("data").path(1).path("id").asText());
        assertEquals("dpa", r.json().path("data").path(2).path("id").asText());
    }

    /**
     * DPA through its own vision encoder (tower, perceiver, aligner: N+2 rows on {@code vlm.features}) and fusion LLM
     * (the Qwen3 thinker, its chat template): the reference's greedy ids over WebSocket; over the OpenAI API with a
     * system prompt and an earlier turn, the in-process model's answer.
     */
    @Test
    void dpaIsServedByItsOwnServicesAsItsReferenceCase() throws Exception {
        JsonNode expected =
                new ObjectMapper().readTree(DPA.resolve("expected.json").toFile());
        JsonNode want = expected.at("/cases/large.png");
        byte[] png = Files.readAllBytes(DPA.resolve("images/large.png"));
        String question = expected.get("question").asText();
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request(question, png, want.get("greedy_ids").size())
                        .put("model", "dpa")
                        .toString());
        int[] greedy = new int[want.get("greedy_ids").size()];
        for (int i = 0; i < greedy.length; i++) {
            greedy[i] = want.get("greedy_ids").get(i).asInt();
        }
        assertArrayEquals(greedy, a.tokenIds(), a.messages().toString());

        ObjectNode body = OpenAiTestClient.chat("What is it?", png, 6).put("model", "dpa");
        ArrayNode messages = (ArrayNode) body.get("messages");
        messages.insertObject(0).put("role", "system").put("content", "Be brief.");
        messages.addObject().put("role", "assistant").put("content", "A square.");
        messages.addObject().put("role", "user").put("content", "And its colour?");
        OpenAiTestClient.Response r = client.chatCompletion(body);
        assertEquals(200, r.status(), r.body());
        MultimodalModel model = stack.model("dpa");
        int[] prompt = model.chat()
                .conversation(
                        "Be brief.",
                        List.of(
                                new ChatTemplate.Turn(ChatTemplate.Role.USER, "What is it?", true),
                                ChatTemplate.Turn.assistant("A square."),
                                ChatTemplate.Turn.user("And its colour?")));
        GenerationResult alone = StackFixture.direct(model, prompt, png, 6);
        assertEquals(alone.text(), content(r.json()));
        assertEquals(
                alone.expandedPromptLength(),
                r.json().path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void concurrentRequestsForEachModelGetThatModelsAnswer() throws Exception {
        String question = "What is in the image?";
        CompletableFuture<OpenAiTestClient.Response> toLlava =
                CompletableFuture.supplyAsync(() -> ask("llava-1.5", question));
        CompletableFuture<OpenAiTestClient.Response> toInverse =
                CompletableFuture.supplyAsync(() -> ask(null, question));
        JsonNode llava = toLlava.get().json();
        JsonNode inverse = toInverse.get().json();
        assertEquals("llava-1.5", llava.path("model").asText(), llava.toString());
        assertEquals("inverse-llava", inverse.path("model").asText(), inverse.toString());
        GenerationResult llavaAlone = direct("llava-1.5", question);
        GenerationResult inverseAlone = direct("inverse-llava", question);
        assertNotEquals(llavaAlone.text(), inverseAlone.text(), "two different models");
        assertEquals(llavaAlone.text(), content(llava));
        assertEquals(
                llavaAlone.expandedPromptLength(),
                llava.path("usage").path("prompt_tokens").asInt());
        assertEquals(inverseAlone.text(), content(inverse));
    }

    @Test
    void theWebSocketRequestSelectsItsModelToo() throws Exception {
        String question = "Describe it.";
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request(question, IMAGE, 8)
                        .put("model", "llava-1.5")
                        .toString());
        assertArrayEquals(direct("llava-1.5", question, 8).tokenIds(), a.tokenIds());
        StreamClient.Answer unknown = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request(question, IMAGE, 8).put("model", "llava-2").toString());
        assertEquals(
                ErrorCode.MODEL_NOT_FOUND.code(),
                unknown.messages().get(0).path("code").asText(),
                unknown.messages().toString());
    }

    @Test
    void anUnknownModelIs404() throws Exception {
        OpenAiTestClient.Response r =
                client.chatCompletion(OpenAiTestClient.chat("hi", null, 2).put("model", "llava-2"));
        assertEquals(404, r.status(), r.body());
        assertEquals(
                ErrorCode.MODEL_NOT_FOUND.code(),
                r.json().path("error").path("code").asText());
    }

    private static OpenAiTestClient.Response ask(String model, String question) {
        var body = OpenAiTestClient.chat(question, IMAGE, 10);
        if (model != null) {
            body.put("model", model);
        }
        try {
            OpenAiTestClient.Response r = client.chatCompletion(body);
            assertEquals(200, r.status(), r.body());
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static GenerationResult direct(String model, String question) {
        return direct(model, question, 10);
    }

    private static GenerationResult direct(String model, String question, int maxTokens) {
        return StackFixture.direct(
                stack.model(model), stack.model(model).chat().question(question, true), IMAGE, maxTokens);
    }

    private static String content(JsonNode completion) {
        return completion
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asText();
    }
}
