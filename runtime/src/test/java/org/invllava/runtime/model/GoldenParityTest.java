package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.List;
import org.invllava.runtime.Golden;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runtime against the independent float32 reference in shared/golden. */
class GoldenParityTest {
    private static InverseLlavaModel model;
    private static JsonNode expected;

    @BeforeAll
    static void load() {
        expected = Golden.expected();
        model = InverseLlavaModel.load(Golden.paths(), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void promptTokenIdsMatch() {
        String prompt = ChatTemplate.vicunaV1(expected.get("question").asText(), true);
        assertEquals(expected.get("prompt").asText(), prompt);
        assertArrayEquals(
                Golden.ints(expected.get("prompt_token_ids")), model.tokenizer().encodePrompt(prompt));
    }

    @ParameterizedTest
    @ValueSource(strings = {"image.png", "image2.png", "image_nonsquare.png"})
    void featuresLogitsAndGreedyIdsMatch(String image) throws Exception {
        JsonNode c = expected.get("cases").get(image);
        PatchFeatures f = encode(image);
        assertEquals(c.get("features_shape").get(0).asInt(), f.patches());
        assertEquals(c.get("features_shape").get(1).asInt(), f.dim());
        for (int i = 0; i < 8; i++) {
            assertEquals(c.get("features_first8").get(i).asDouble(), f.data()[i], 1e-4, "feature " + i);
        }
        double sum = 0;
        double abs = 0;
        for (float v : f.data()) {
            sum += v;
            abs += Math.abs(v);
        }
        assertEquals(c.get("features_sum").asDouble(), sum, 1e-2);
        assertEquals(c.get("features_abs_sum").asDouble(), abs, 1e-2);

        GenerationResult r = generate(f, c.get("greedy_token_ids").size());
        assertEquals(c.get("expanded_length").asInt(), r.expandedPromptLength());
        for (int i = 0; i < 8; i++) {
            assertEquals(
                    c.get("first_step_top8_ids").get(i).asInt(),
                    r.firstStepTopLogits().get(i).id(),
                    "top id " + i);
            assertEquals(
                    c.get("first_step_top8_logits").get(i).asDouble(),
                    r.firstStepTopLogits().get(i).logit(),
                    1e-4,
                    "top logit " + i);
        }
        assertArrayEquals(Golden.ints(c.get("greedy_token_ids")), r.tokenIds());
        assertEquals(c.get("greedy_text").asText(), r.text());
    }

    @Test
    void changingTheImageChangesTheAnswer() throws Exception {
        int[] a = generate(encode("image.png"), 8).tokenIds();
        int[] b = generate(encode("image2.png"), 8).tokenIds();
        assertNotEquals(List.of(a), List.of(b));
        assertNotEquals(a[0], b[0]);
    }

    /** A fusion LLM instance's load: no CLIP weights read (the vision directory is absent), the same ids from features. */
    @Test
    void theLanguageSideAloneAnswersFromTheEncodersFeaturesWithoutReadingClip() throws Exception {
        JsonNode c = expected.get("cases").get("image.png");
        PatchFeatures f = encode("image.png");
        ModelPaths golden = Golden.paths();
        ModelPaths noClip =
                new ModelPaths(golden.vision().resolveSibling("no-such-clip-dir"), golden.language(), golden.fusion());
        try (InverseLlavaModel language = InverseLlavaModel.load(noClip, LoadOptions.defaults(), false)) {
            assertFalse(language.hasVision());
            assertEquals(model.featureDim(), language.featureDim());
            IllegalStateException e = assertThrows(IllegalStateException.class, language::vision);
            assertTrue(e.getMessage().contains("without its vision tower"), e.getMessage());
            int[] ids = language.tokenizer()
                    .encodePrompt(ChatTemplate.vicunaV1(expected.get("question").asText(), true));
            GenerationResult r = new Generator(language)
                    .generate(
                            ids,
                            List.of(f),
                            SamplingParams.greedy(c.get("greedy_token_ids").size()),
                            (i, t, d) -> {});
            assertArrayEquals(Golden.ints(c.get("greedy_token_ids")), r.tokenIds());
        }
    }

    private static PatchFeatures encode(String image) throws Exception {
        byte[] bytes = Files.readAllBytes(Golden.tinyModel().resolve(image));
        return model.encodeImages(List.of(new ImageDecoder(1L << 26).decode(bytes)))
                .get(0);
    }

    private static GenerationResult generate(PatchFeatures f, int maxNew) {
        int[] ids = model.tokenizer()
                .encodePrompt(ChatTemplate.vicunaV1(expected.get("question").asText(), true));
        return new Generator(model).generate(ids, List.of(f), SamplingParams.greedy(maxNew), (i, t, d) -> {});
    }
}
