package org.invllava.gateway.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.ServedModels;
import org.invllava.gateway.TestConfigs;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.schemas.ErrorCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** How a chat completions body becomes the conversation the fusion LLM renders. */
class ChatCompletionRequestTest {
    static final GatewayConfig CONFIG = new GatewayConfig(
            KafkaSettings.of("localhost:9", "t"),
            "gw",
            "127.0.0.1",
            0,
            new ServedModels(List.of("inverse-llava", "llava-1.5")),
            TestConfigs.gateway().limits(),
            new GatewayConfig.Access(
                    org.invllava.gateway.ApiKeys.none(),
                    4,
                    List.of("https://images.example.org/cats"),
                    Duration.ofSeconds(1)),
            TestConfigs.gateway().connections(),
            Duration.ZERO);
    static final ImageInput IMAGES = ImageInput.create(CONFIG.limits(), CONFIG.access());
    static final byte[] PNG = DemoImages.png(20, 10, 1);

    @AfterAll
    static void close() {
        IMAGES.close();
    }

    static ChatCompletionRequest parse(String json) throws Exception {
        return ChatCompletionRequest.parse(OpenAiTestClient.JSON.readTree(json), CONFIG, IMAGES);
    }

    /** 200,000 empty turns once reached the fusion LLM; the gateway now counts messages and their template text. */
    @Test
    void manyOrEmptyTurnsAndLongStopsAreRefusedAtTheGateway() throws Exception {
        StringBuilder many = new StringBuilder("{\"messages\": [");
        for (int i = 0; i < 65; i++) {
            many.append(
                    i % 2 == 0
                            ? "{\"role\": \"user\", \"content\": \"\"},"
                            : "{\"role\": \"assistant\", \"content\": \"\"},");
        }
        many.append("{\"role\": \"user\", \"content\": \"hi\"}]}");
        GatewayError tooMany = assertThrows(GatewayError.class, () -> parse(many.toString()));
        assertEquals(ErrorCode.PROMPT_TOO_LONG.code(), tooMany.code());
        assertTrue(tooMany.getMessage().contains("messages"), tooMany.getMessage());

        GatewayConfig tight = new GatewayConfig(
                CONFIG.kafka(),
                "gw",
                "127.0.0.1",
                0,
                CONFIG.models(),
                new GatewayConfig.Limits(1 << 20, 1 << 19, 1 << 20, 300, 100, 10, Duration.ofSeconds(10), 4),
                CONFIG.access(),
                CONFIG.connections(),
                Duration.ZERO);
        StringBuilder empty = new StringBuilder("{\"messages\": [");
        for (int i = 0; i < 20; i++) { // 20 turns of no text: 20 x the template's characters, over 300
            empty.append(
                    i % 2 == 0
                            ? "{\"role\": \"user\", \"content\": \"\"},"
                            : "{\"role\": \"assistant\", \"content\": \"\"},");
        }
        empty.append("{\"role\": \"user\", \"content\": \"hi\"}]}");
        GatewayError emptyTurns = assertThrows(
                GatewayError.class,
                () -> ChatCompletionRequest.parse(OpenAiJson.JSON.readTree(empty.toString()), tight, IMAGES));
        assertEquals(ErrorCode.PROMPT_TOO_LONG.code(), emptyTurns.code());

        String longStop =
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": \"" + "s".repeat(257) + "\"}";
        assertEquals(
                ErrorCode.INVALID_REQUEST.code(),
                assertThrows(GatewayError.class, () -> parse(longStop)).code());
    }

    @Test
    void multiTurnMessagesBecomeAlternatingTurnsWithTheImageOnItsTurn() throws Exception {
        ChatCompletionRequest r = parse("""
                {"model": "inverse-llava", "max_completion_tokens": 7, "stop": "END", "seed": 5, "stream": true,
                 "stream_options": {"include_usage": true},
                 "messages": [
                  {"role": "system", "content": "Be brief."},
                  {"role": "user", "content": [{"type": "text", "text": "What is it?"},
                                               {"type": "image_url", "image_url": {"url": "%s"}}]},
                  {"role": "assistant", "content": "A cat."},
                  {"role": "user", "content": "What colour?"},
                  {"role": "user", "content": [{"type": "text", "text": "And its size?"}]}]}
                """.formatted(OpenAiTestClient.dataUrl(PNG)));
        ChatRequest chat = r.chat();
        assertEquals("inverse-llava", chat.model());
        assertEquals("Be brief.", chat.system());
        assertEquals(
                List.of(
                        new ChatRequest.Turn(ChatRequest.Role.USER, "What is it?", true),
                        new ChatRequest.Turn(ChatRequest.Role.ASSISTANT, "A cat.", false)),
                chat.history());
        assertEquals("What colour?\nAnd its size?", chat.question());
        assertArrayEquals(PNG, chat.image());
        assertEquals(7, chat.sampling().maxTokens());
        assertEquals(List.of("END"), chat.sampling().stop());
        assertEquals(5, chat.sampling().seed());
        assertTrue(r.stream() && r.includeUsage());
        assertNull(r.imageUrl());
    }

    @Test
    void modelSelectsAServedModelOrTheDefault() throws Exception {
        String ask = "{%s\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        assertEquals(
                "llava-1.5",
                parse(ask.formatted("\"model\": \"llava-1.5\", ")).chat().model());
        assertEquals("inverse-llava", parse(ask.formatted("")).chat().model());
        assertEquals(
                "inverse-llava",
                parse(ask.formatted("\"model\": null, ")).chat().model());
        GatewayError unknown = assertThrows(GatewayError.class, () -> parse(ask.formatted("\"model\": \"llava-2\", ")));
        assertEquals(ErrorCode.MODEL_NOT_FOUND.code(), unknown.code());
        assertEquals(404, unknown.httpStatus());
        assertTrue(unknown.getMessage().contains("inverse-llava, llava-1.5"), unknown.getMessage());
    }

    @Test
    void theImageOfTheLastMessageGoesWithTheQuestion() throws Exception {
        ChatCompletionRequest r = parse("""
                {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "%s"},
                                                           {"type": "text", "text": "Describe."}]}]}
                """.formatted(OpenAiTestClient.dataUrl(PNG)));
        assertTrue(r.chat().history().isEmpty());
        assertEquals("Describe.", r.chat().question());
        assertArrayEquals(PNG, r.chat().image());
        assertFalse(r.stream());
        assertEquals(
                TestConfigs.gateway().limits().defaultMaxTokens(),
                r.chat().sampling().maxTokens());
    }

    @Test
    void allowListedUrlsAreLeftToFetchAndOthersRefused() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": [{"type": "text", "text": "Describe."},
                  {"type": "image_url", "image_url": {"url": "%s"}}]}]}""";
        ChatCompletionRequest r = parse(body.formatted("https://images.example.org/cats/1.png"));
        assertEquals(URI.create("https://images.example.org/cats/1.png"), r.imageUrl());
        assertNull(r.chat().image());
        assertTrue(IMAGES.fetch(URI.create("https://images.example.org.evil.test/cats/1.png"))
                .isCompletedExceptionally());
        assertTrue(IMAGES.fetch(URI.create("https://images.example.org/dogs/1.png"))
                .isCompletedExceptionally());
        GatewayError e = assertThrows(GatewayError.class, () -> parse(body.formatted("ftp://x/1.png")));
        assertEquals(ErrorCode.INVALID_IMAGE.code(), e.code());
    }

    @Test
    void assistantMessagesCannotHoldImagesAndTheLastTurnNeedsText() {
        assertThrows(GatewayError.class, () -> parse("""
                {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content":
                  [{"type": "image_url", "image_url": {"url": "%s"}}]}, {"role": "user", "content": "and?"}]}
                """.formatted(OpenAiTestClient.dataUrl(PNG))));
        assertThrows(GatewayError.class, () -> parse("""
                {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "%s"}}]}]}
                """.formatted(OpenAiTestClient.dataUrl(PNG))));
        assertThrows(GatewayError.class, () -> parse("{\"messages\": [{\"role\": \"user\", \"content\": 5}]}"));
        assertThrows(
                GatewayError.class,
                () -> parse("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"stream\": \"yes\"}"));
    }
}
