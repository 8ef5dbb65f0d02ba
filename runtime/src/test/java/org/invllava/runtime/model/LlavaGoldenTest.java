package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.invllava.runtime.Golden;
import org.invllava.runtime.config.Json;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorInfo;
import org.invllava.runtime.weights.TorchSaveWriter;
import org.invllava.runtime.weights.WeightException;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LLaVA-1.5 against the independent float32 reference in shared/golden/tiny-llava-1.5, in every layout. */
class LlavaGoldenTest {
    @TempDir
    Path tmp;

    @Test
    void promptTokenIdsMatch() {
        Path golden = Golden.tinyLlava();
        JsonNode expected = Golden.expected(golden);
        try (LlavaModel model =
                LlavaModel.load(new LlavaPaths(golden.resolve("llava"), null), LoadOptions.defaults())) {
            String prompt = ChatTemplate.vicunaV1(expected.get("question").asText(), true);
            assertEquals(expected.get("prompt").asText(), prompt);
            assertArrayEquals(
                    Golden.ints(expected.get("prompt_token_ids")),
                    model.tokenizer().encodePrompt(prompt));
            assertEquals(LlavaConfig.Layout.LLAVA_HF, model.config().layout());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"image.png", "image2.png"})
    void logitsAndGreedyIdsMatch(String image) throws Exception {
        Path golden = Golden.tinyLlava();
        JsonNode c = Golden.expected(golden).get("cases").get(image);
        try (LlavaModel model =
                LlavaModel.load(new LlavaPaths(golden.resolve("llava"), null), LoadOptions.defaults())) {
            GenerationResult r = generate(
                    model, golden.resolve(image), c.get("greedy_token_ids").size());
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
    }

    /** A fusion LLM instance's load: projector and LLaMA alone, the same ids from the encoder's features. */
    @Test
    void theLanguageSideAloneAnswersFromTheEncodersFeatures() throws Exception {
        Path golden = Golden.tinyLlava();
        JsonNode expected = Golden.expected(golden);
        LlavaPaths paths = new LlavaPaths(golden.resolve("llava"), null);
        List<PatchFeatures> features;
        try (LlavaModel full = LlavaModel.load(paths, LoadOptions.defaults())) {
            features = full.encodeImages(
                    List.of(new ImageDecoder(1 << 24).decode(Files.readAllBytes(golden.resolve("image.png")))));
        }
        try (LlavaModel language = LlavaModel.load(paths, LoadOptions.defaults(), false)) {
            assertFalse(language.hasVision());
            assertThrows(IllegalStateException.class, language::vision);
            int[] ids = language.tokenizer()
                    .encodePrompt(ChatTemplate.vicunaV1(expected.get("question").asText(), true));
            GenerationResult r = new Generator(language)
                    .generate(ids, features, SamplingParams.greedy(goldenIds().length), (i, t, d) -> {});
            assertArrayEquals(goldenIds(), r.tokenIds());
        }
    }

    @Test
    void transformers452NamesGiveTheSameIds() throws Exception {
        Path dir = copyLlavaHf(
                tmp.resolve("new-names"),
                name -> name.startsWith("language_model.lm_head.")
                        ? name.substring("language_model.".length())
                        : name.startsWith("language_model.model.")
                                ? "model.language_model." + name.substring("language_model.model.".length())
                                : "model." + name,
                DType.F32);
        assertArrayEquals(goldenIds(), greedyIds(new LlavaPaths(dir, null)));
    }

    @Test
    void bf16CheckpointGivesTheIdsOfItsFloat32Values() throws Exception {
        Path bf16 = copyLlavaHf(tmp.resolve("bf16"), UnaryOperator.identity(), DType.BF16);
        Path rounded = copyLlavaHf(tmp.resolve("rounded"), UnaryOperator.identity(), DType.F32, true);
        assertArrayEquals(greedyIds(new LlavaPaths(rounded, null)), greedyIds(new LlavaPaths(bf16, null)));
    }

    @Test
    void originalReleaseWithSeparateClipGivesTheSameIds() throws Exception {
        Path golden = Golden.tinyLlava().resolve("llava");
        Checkpoint all = Checkpoint.open(golden);
        JsonNode config = Json.readTree(golden.resolve("config.json"));
        // the CLIP tower as its own directory (vision_model.*, a CLIPVisionModel config, its preprocessor)
        Path clip = Files.createDirectories(tmp.resolve("clip"));
        SafetensorsWriter tower = new SafetensorsWriter();
        all.renamed("vision_tower.", "")
                .tensors()
                .forEach((name, t) -> tower.add(name, t.dtype(), t.shape(), t.read()));
        tower.write(clip.resolve("model.safetensors"));
        Json.MAPPER.writeValue(clip.resolve("config.json").toFile(), config.get("vision_config"));
        Files.copy(golden.resolve("preprocessor_config.json"), clip.resolve("preprocessor_config.json"));
        // the language model and projector as .bin shards with an index, original names, mm_* config fields
        Path model = Files.createDirectories(tmp.resolve("llava-v1.5"));
        TorchSaveWriter first = new TorchSaveWriter();
        TorchSaveWriter second = new TorchSaveWriter();
        Map<String, String> index = new TreeMap<>();
        all.renamed("language_model.", "").tensors().forEach((name, t) -> {
            boolean early = name.startsWith("model.embed_tokens") || name.startsWith("model.layers.0.");
            (early ? first : second).add(name, t.dtype(), t.shape(), t.read());
            index.put(name, early ? "pytorch_model-00001-of-00002.bin" : "pytorch_model-00002-of-00002.bin");
        });
        all.renamed("multi_modal_projector.linear_", "").tensors().forEach((name, t) -> {
            String original = "model.mm_projector." + (name.startsWith("1.") ? "0" : "2") + name.substring(1);
            second.add(original, t.dtype(), t.shape(), t.read());
            index.put(original, "pytorch_model-00002-of-00002.bin");
        });
        first.write(model.resolve("pytorch_model-00001-of-00002.bin"));
        second.write(model.resolve("pytorch_model-00002-of-00002.bin"));
        Json.MAPPER.writeValue(
                model.resolve("pytorch_model.bin.index.json").toFile(),
                Map.of("metadata", Map.of(), "weight_map", index));
        ObjectNode original = ((ObjectNode) config.get("text_config").deepCopy());
        original.putArray("architectures").add("LlavaLlamaForCausalLM");
        original.put("mm_vision_tower", "openai/clip-vit-large-patch14-336")
                .put("mm_vision_select_layer", -2)
                .put("mm_vision_select_feature", "patch")
                .put("mm_projector_type", "mlp2x_gelu")
                .put("image_aspect_ratio", "pad")
                .put("mm_use_im_start_end", false);
        Json.MAPPER.writeValue(model.resolve("config.json").toFile(), original);
        Files.copy(golden.resolve("tokenizer.model"), model.resolve("tokenizer.model"));

        assertArrayEquals(goldenIds(), greedyIds(new LlavaPaths(model, clip)));
        IllegalArgumentException noTower = assertThrows(
                IllegalArgumentException.class,
                () -> LlavaModel.load(new LlavaPaths(model, null), LoadOptions.defaults()));
        assertTrue(noTower.getMessage().contains("--vision-model"), noTower.getMessage());
    }

    @Test
    void aStrayOrMisShapedTensorIsNamed() throws Exception {
        Path stray = copyLlavaHf(
                tmp.resolve("stray"),
                name -> name.startsWith("multi_modal_projector.linear_2.")
                        ? name.replace("multi_modal_projector.", "mm_projector_extra.")
                        : name,
                DType.F32);
        WeightException e = assertThrows(
                WeightException.class, () -> LlavaModel.load(new LlavaPaths(stray, null), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("mm_projector_extra.linear_2"), e.getMessage());
    }

    private int[] goldenIds() {
        return Golden.ints(Golden.expected(Golden.tinyLlava())
                .get("cases")
                .get("image.png")
                .get("greedy_token_ids"));
    }

    private int[] greedyIds(LlavaPaths paths) throws IOException {
        try (LlavaModel model = LlavaModel.load(paths, LoadOptions.defaults())) {
            return generate(model, Golden.tinyLlava().resolve("image.png"), goldenIds().length)
                    .tokenIds();
        }
    }

    private static GenerationResult generate(LlavaModel model, Path image, int tokens) throws IOException {
        JsonNode expected = Golden.expected(Golden.tinyLlava());
        List<PatchFeatures> features =
                model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(Files.readAllBytes(image))));
        int[] ids = model.tokenizer()
                .encodePrompt(ChatTemplate.vicunaV1(expected.get("question").asText(), true));
        return new Generator(model).generate(ids, features, SamplingParams.greedy(tokens), (i, t, d) -> {});
    }

    private Path copyLlavaHf(Path dir, UnaryOperator<String> rename, DType dtype) throws IOException {
        return copyLlavaHf(dir, rename, dtype, false);
    }

    /** The golden llava-hf directory with every tensor renamed and stored as {@code dtype} (or rounded to BF16). */
    private Path copyLlavaHf(Path dir, UnaryOperator<String> rename, DType dtype, boolean roundToBf16)
            throws IOException {
        Path golden = Golden.tinyLlava().resolve("llava");
        Files.createDirectories(dir);
        for (String f :
                new String[] {"config.json", "added_tokens.json", "preprocessor_config.json", "tokenizer.model"}) {
            Files.copy(golden.resolve(f), dir.resolve(f));
        }
        SafetensorsWriter out = new SafetensorsWriter();
        Checkpoint.open(golden).tensors().forEach((name, t) -> {
            float[] values = floats(t);
            if (roundToBf16) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.intBitsToFloat(SafetensorsWriter.toBf16(values[i]) << 16);
                }
            }
            out.addFloats(rename.apply(name), dtype, t.shape(), values);
        });
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static float[] floats(TensorInfo t) {
        ByteBuffer b = t.read().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) t.numel()];
        b.asFloatBuffer().get(out);
        return out;
    }
}
