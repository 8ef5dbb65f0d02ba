package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One stack serving Inverse-LLaVA and the LLaVA-1.5 baseline (both demo checkpoints): {@code model} routes each
 * request to its own model's services through that model's topics; answers equal each model run in-process.
 */
class ModelRoutingEndToEndTest {
    @TempDir
    static Path dir;

    static LocalStack stack;
    static OpenAiTestClient client;
    static final byte[] IMAGE = StackFixture.png(120, 80, 12);

    @BeforeAll
    static void start() throws Exception {
        ModelSource inverse =
                new ModelSource.InverseLlava(DemoModelFactory.writeRandomDemo(dir.resolve("inverse-llava")));
        ModelSource llava = new ModelSource.Llava(new LlavaPaths(
                new DemoLlavaFactory(ModelShape.tiny(), DType.F32, 8).write(dir.resolve("llava-1.5")), null));
        stack = StackFixture.start(dir.resolve("stack"), List.of(inverse, llava), 1);
        client = new OpenAiTestClient(stack.gatewayPorts().get(0), null);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void modelsListsBothAndTheFirstIsTheDefault() throws Exception {
        OpenAiTestClient.Response r = client.get("/v1/models");
        assertEquals(200, r.status(), r.body());
        assertEquals(2, r.json().path("data").size());
        assertEquals("inverse-llava", r.json().path("data").path(0).path("id").asText());
        assertEquals("llava-1.5", r.json().path("data").path(1).path("id").asText());
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
