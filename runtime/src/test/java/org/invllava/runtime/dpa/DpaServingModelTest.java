package org.invllava.runtime.dpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.Golden;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPA as the engine and the services serve it ({@link DpaServingModel}): the chat format writes the reference's
 * thinker prompt, the tokenizer's bytes spell the text, and the generic generation path (prompt from the chat format,
 * rows from {@code encodeImages}, greedy decoding with the engine's stop ids) gives the reference's greedy ids, also
 * when the vision side and the thinker are loaded apart, as the two services load them.
 */
class DpaServingModelTest {
    static final Path CASE = DpaGoldenTest.CASE;
    static JsonNode expected;
    static DpaServingModel model;

    @BeforeAll
    static void load() throws IOException {
        expected = new ObjectMapper().readTree(CASE.resolve("expected.json").toFile());
        model = DpaServingModel.load(CASE.resolve("dpa"), CASE.resolve("refs"), LoadOptions.defaults(), true);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static RgbImage image(String picture) throws IOException {
        return new ImageDecoder(1L << 24)
                .decode(Files.readAllBytes(CASE.resolve("images").resolve(picture + ".png")));
    }

    static JsonNode want(String picture) {
        return expected.at("/cases/" + picture + ".png");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void theChatFormatWritesTheReferencePromptWithOneImageSlot(String picture) {
        int[] reference = Golden.ints(want(picture).get("thinker_ids"));
        DpaModel dpa = DpaModel.load(CASE.resolve("dpa"), CASE.resolve("refs"));
        try (dpa) {
            assertArrayEquals(
                    dpa.collapseImageSpan(reference),
                    model.chat().question(expected.get("question").asText(), true));
        }
    }

    @Test
    void aConversationKeepsItsTurnsAndItsSystemPrompt() {
        String text = QwenChat.render(
                        "Be brief.",
                        List.of(
                                new ChatTemplate.Turn(ChatTemplate.Role.USER, "What is it?", true),
                                ChatTemplate.Turn.assistant("A square."),
                                ChatTemplate.Turn.user("Colour?")))
                .get(1);
        assertEquals(
                "\nWhat is it?<|im_end|>\n<|im_start|>assistant\nA square.<|im_end|>\n<|im_start|>user\nColour?"
                        + "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                text);
        int[] ids = model.chat().conversation("Be brief.", List.of(ChatTemplate.Turn.user("Colour?")));
        assertEquals(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nColour?<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
                model.tokenizer().decodeWithSpecials(ids));
        assertThrows(
                IllegalArgumentException.class,
                () -> model.chat().conversation(null, List.of(ChatTemplate.Turn.assistant("hi"))));
    }

    /** The reference's tokenizer cases: each id's bytes (GPT-2's byte alphabet undone) spell the text back. */
    @Test
    void tokenBytesSpellTheTextBack() {
        QwenTokenizer t = model.tokenizer();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        expected.get("tokenizer_cases").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            int[] ids = Golden.ints(c.getValue());
            assertArrayEquals(ids, t.encode(c.getKey()), c.getKey());
            ByteArrayOutputStream spelled = new ByteArrayOutputStream();
            for (int id : ids) {
                spelled.writeBytes(t.tokenBytes(id));
            }
            // <|im_end|> is a control token: no text
            assertEquals(c.getKey().replace("<|im_end|>", ""), spelled.toString(StandardCharsets.UTF_8), c.getKey());
        }
        int partial = -1; // a byte token above 0x7F is part of a character: no text of its own
        for (int id = 0; id < t.vocabSize() && partial < 0; id++) {
            byte[] b = t.tokenBytes(id);
            partial = b.length == 1 && (b[0] & 0x80) != 0 ? id : -1;
        }
        assertTrue(partial >= 0);
        assertNull(t.text(partial));
        assertEquals("", t.text(t.id(DpaPrompts.IM_END)));
        assertEquals(0, t.tokenBytes(model.language().config().vocabSize() - 1).length, "an id past the tokenizer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void theGenerationPathAnswersAsTheReference(String picture) throws IOException {
        int[] greedy = Golden.ints(want(picture).get("greedy_ids"));
        int[] prompt = model.chat().question(expected.get("question").asText(), true);
        GenerationResult r = new Generator(model)
                .generate(
                        prompt,
                        model.encodeImages(List.of(image(picture))),
                        SamplingParams.greedy(greedy.length),
                        (i, t, d) -> {});
        assertArrayEquals(greedy, r.tokenIds());
        assertEquals(want(picture).get("greedy_text").asText().strip(), r.text());
    }

    /**
     * {@code MODEL_WEIGHTS} applies to the thinker (float32 activations, the native kernels): its first-step logits
     * stay near float32's (as a fraction of the largest logit; measured 0.0018, 0.0093, 0.025 and 0.126: this tiny
     * random model amplifies q4_0's weight error, as WeightFormatsGoldenTest notes), and differ from them.
     */
    @ParameterizedTest
    @CsvSource({"float16, 0.01", "bfloat16, 0.03", "q8_0, 0.06", "q4_0, 0.2"})
    void theThinkerRunsInThePackedWeightFormats(String format, double tolerance) throws IOException {
        List<PatchFeatures> rows = model.encodeImages(List.of(image("large")));
        int[] prompt = model.chat().question(expected.get("question").asText(), true);
        float[] reference;
        try (org.invllava.runtime.model.Sequence s = model.newSequence()) {
            reference = s.prefill(model.expand(prompt, rows));
        }
        LoadOptions options = new LoadOptions(
                ai.djl.ndarray.types.DataType.FLOAT32,
                ai.djl.Device.cpu(),
                org.invllava.runtime.nn.quant.WeightFormat.parse(format));
        try (DpaServingModel packed = DpaServingModel.load(CASE.resolve("dpa"), CASE.resolve("refs"), options, false);
                org.invllava.runtime.model.Sequence s = packed.newSequence()) {
            float[] logits = s.prefill(packed.expand(prompt, rows));
            float diff = 0;
            float scale = 0;
            for (int i = 0; i < logits.length; i++) {
                diff = Math.max(diff, Math.abs(logits[i] - reference[i]));
                scale = Math.max(scale, Math.abs(reference[i]));
            }
            assertTrue(diff > 0 && diff < tolerance * scale, format + ": max |diff| " + diff + " of " + scale);
        }
    }

    /** The vision encoder loads the vision side, the fusion LLM the thinker: the rows between them are the message. */
    @Test
    void theHalvesLoadedApartAnswerAsTheWhole() throws IOException {
        List<PatchFeatures> rows;
        DpaModel vision = DpaModel.load(
                CASE.resolve("separated"),
                CASE.resolve("refs"),
                java.util.EnumSet.of(DpaModel.Part.VISION),
                LoadOptions.defaults());
        try (vision) {
            assertThrows(IllegalStateException.class, vision::thinker);
            rows = List.of(vision.encode(image("small")));
        }
        try (DpaServingModel thinker =
                DpaServingModel.load(CASE.resolve("dpa"), CASE.resolve("refs"), LoadOptions.defaults(), false)) {
            assertFalse(thinker.hasVision());
            assertThrows(IllegalStateException.class, () -> thinker.encodeImages(List.of(image("small"))));
            int[] greedy = Golden.ints(want("small").get("greedy_ids"));
            GenerationResult r = new Generator(thinker)
                    .generate(
                            thinker.chat().question(expected.get("question").asText(), true),
                            rows,
                            SamplingParams.greedy(greedy.length),
                            (i, t, d) -> {});
            assertArrayEquals(greedy, r.tokenIds());
            PatchFeatures narrow = new PatchFeatures(4, 8, new float[32]);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> thinker.expand(new int[] {-200}, List.of(narrow)));
            assertTrue(e.getMessage().contains("[4, 8]"), e.getMessage());
        }
    }
}
