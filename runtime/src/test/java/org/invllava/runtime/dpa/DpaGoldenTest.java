package org.invllava.runtime.dpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.Golden;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.runtime.weights.WeightException;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DPA family against the reference cases of {@code tools/dpa-golden/make_cases.py} (transformers' own classes
 * composed as the released code does; committed under {@code golden/tiny-dpa}): token ids identical, pixels, tower
 * rows, perceiver features, aligned rows and first-step logits within 1e-4 (float32), greedy ids identical, in both
 * checkpoint layouts.
 */
class DpaGoldenTest {
    static final Path CASE = Path.of("src/test/resources/golden/tiny-dpa");
    static final double TOLERANCE = 1e-4;
    static JsonNode expected;
    static NDManager manager;
    static TensorLoader reference;

    @BeforeAll
    static void load() throws IOException {
        expected = new ObjectMapper().readTree(CASE.resolve("expected.json").toFile());
        manager = NDManager.newBaseManager();
        reference =
                new TensorLoader(Checkpoint.openFile(CASE.resolve("tensors.safetensors")), manager, DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static NDArray ref(String name) {
        return reference.load(name, reference.shape(name));
    }

    static DpaModel model(String layout) {
        return DpaModel.load(CASE.resolve(layout), CASE.resolve("refs"));
    }

    static Iterable<Map.Entry<String, JsonNode>> cases() {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.get("cases").fields(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    static RgbImage picture(String name) throws IOException {
        return new ImageDecoder(1L << 24)
                .decode(Files.readAllBytes(CASE.resolve("images").resolve(name)));
    }

    static void assertClose(NDArray want, NDArray got, String what) {
        assertEquals(want.getShape(), got.getShape(), what + " shape");
        float diff = want.sub(got).abs().max().getFloat();
        assertTrue(diff <= TOLERANCE, what + ": max |diff| " + diff + " > " + TOLERANCE);
    }

    @Test
    void tokenizerMatchesHuggingFaceIds() {
        try (QwenTokenizer t = QwenTokenizer.load(CASE.resolve("refs/tiny/Qwen3-thinker"))) {
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            expected.get("tokenizer_cases").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertArrayEquals(Golden.ints(e.getValue()), t.encode(e.getKey()), e.getKey());
            }
            assertEquals(expected.at("/think_ids/<think>").asInt(), t.id("<think>"));
            // a 1344×1344 picture is 2,304 pads: nothing truncates a long prompt (the library's default is 512)
            int[] prefix = t.encode(DpaPrompts.perceiverPrefix(0));
            assertEquals(prefix.length + 3000, t.encode(DpaPrompts.perceiverPrefix(3000)).length);
        }
    }

    @Test
    void processorGivesTheReferencePixels() throws IOException {
        QwenImageProcessor processor = QwenImageProcessor.load(CASE.resolve("refs/tiny/Qwen2.5-VL"));
        for (Map.Entry<String, JsonNode> c : cases()) {
            QwenImageProcessor.Pixels px = processor.process(picture(c.getKey()));
            JsonNode grid = c.getValue().get("grid_thw");
            assertEquals(grid.get(1).asInt(), px.gridH(), c.getKey() + " grid rows");
            assertEquals(grid.get(2).asInt(), px.gridW(), c.getKey() + " grid columns");
            String key = c.getKey().replace(".png", "");
            NDArray got = manager.create(px.values(), new Shape((long) px.gridH() * px.gridW(), px.rowLength()));
            assertClose(ref(key + ".pixel_values"), got, c.getKey() + " pixel values");
        }
    }

    @Test
    void smartResizeRoundsHalvesToEvenAndRefusesExtremeAspectRatios() {
        assertArrayEquals(
                new int[] {56, 56}, QwenImageProcessor.smartResize(42, 70, 28, 3136, 1 << 20)); // 1.5→2, 2.5→2
        assertArrayEquals(new int[] {140, 224}, QwenImageProcessor.smartResize(150, 230, 28, 3136, 12845056));
        org.invllava.wire.ImageException e = assertThrows(
                org.invllava.wire.ImageException.class,
                () -> QwenImageProcessor.smartResize(10, 2010, 28, 3136, 12845056));
        assertTrue(e.getMessage().contains("aspect ratio"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dpa", "separated"})
    void perceiverAlignerAndThinkerMatchTheReference(String layout) throws IOException {
        try (DpaModel model = model(layout);
                NDManager m = manager.newSubManager()) {
            for (Map.Entry<String, JsonNode> c : cases()) {
                String key = c.getKey().replace(".png", "");
                JsonNode want = c.getValue();
                QwenImageProcessor.Pixels px = model.processor().process(picture(c.getKey()));
                assertEquals(want.get("image_tokens").asInt(), model.imageTokens(px));
                assertClose(ref(key + ".vision_rows"), model.visionRows(m, px), key + " tower rows");
                NDArray features = model.features(m, px);
                assertClose(ref(key + ".features"), features, key + " perceiver features");
                NDArray aligned = model.align(ref(key + ".features"));
                assertClose(ref(key + ".aligned"), aligned, key + " aligned rows");
                int n = want.get("image_tokens").asInt();
                int[] ids = model.thinkerIds(n, expected.get("question").asText());
                assertArrayEquals(Golden.ints(want.get("thinker_ids")), ids, key + " thinker ids");
                NDArray alignedRef = ref(key + ".aligned");
                PatchFeatures rows = new PatchFeatures(
                        (int) alignedRef.getShape().get(0),
                        (int) alignedRef.getShape().get(1),
                        alignedRef.toFloatArray());
                DpaServingModel served = new DpaServingModel(model); // closed with the model
                try (Sequence s = served.newSequence()) {
                    float[] logits = s.prefill(served.expand(model.collapseImageSpan(ids), List.of(rows)));
                    assertClose(
                            ref(key + ".first_logits"),
                            m.create(logits),
                            key + " first-step logits (the serving decoder)");
                    int[] greedy = new int[want.get("greedy_ids").size()];
                    for (int i = 0; i < greedy.length; i++) {
                        greedy[i] = Sampler.argMax(logits);
                        logits = s.decode(greedy[i]);
                    }
                    assertArrayEquals(Golden.ints(want.get("greedy_ids")), greedy, key + " greedy ids");
                }
            }
        }
    }

    @Test
    void perceiverPromptAndPositionsMatchGetRopeIndex() {
        try (QwenTokenizer t = QwenTokenizer.load(CASE.resolve("refs/tiny/Qwen2.5-VL"))) {
            for (Map.Entry<String, JsonNode> c : cases()) {
                JsonNode want = c.getValue();
                int n = want.get("image_tokens").asInt();
                int[] ids = t.encode(
                        DpaPrompts.perceiver(n, expected.get("question").asText()));
                assertArrayEquals(Golden.ints(want.get("perceiver_ids")), ids, c.getKey());
                JsonNode grid = want.get("grid_thw");
                long[][] positions = MropePositions.of(
                        ids,
                        t.id(DpaPrompts.IMAGE_PAD),
                        grid.get(1).asInt() / 2,
                        grid.get(2).asInt() / 2);
                for (int row = 0; row < 3; row++) {
                    long[] expectedRow = new long[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        expectedRow[i] =
                                want.get("perceiver_positions").get(row).get(i).asLong();
                    }
                    assertArrayEquals(expectedRow, positions[row], c.getKey() + " position row " + row);
                }
            }
        }
    }

    @Test
    void aThinkerOfAnotherWidthIsRefusedNamingTheAlignerTensor(@TempDir Path tmp) throws IOException {
        Path refs = copy(CASE.resolve("refs"), tmp.resolve("refs"));
        Path thinkerConfig = refs.resolve("tiny/Qwen3-thinker/config.json");
        Files.writeString(
                thinkerConfig, Files.readString(thinkerConfig).replace("\"hidden_size\": 40", "\"hidden_size\": 64"));
        WeightException e = assertThrows(WeightException.class, () -> DpaModel.load(CASE.resolve("dpa"), refs));
        assertTrue(e.getMessage().contains("aligner.2.weight") && e.getMessage().contains("[40, 48]"), e.getMessage());
    }

    @Test
    void aConfigWhoseImageTokenIdIsNotTheTokenizersIsRefused(@TempDir Path tmp) throws IOException {
        Path dpa = copy(CASE.resolve("dpa"), tmp.resolve("dpa"));
        Path config = dpa.resolve("config.json");
        Files.writeString(
                config, Files.readString(config).replace("\"image_token_id\": 312", "\"image_token_id\": 151655"));
        var e = assertThrows(RuntimeException.class, () -> DpaModel.load(dpa, CASE.resolve("refs")));
        assertTrue(
                e.getMessage().contains("image_token_id is 151655 but the perceiver's tokenizer gives 312"),
                e.getMessage());
    }

    @Test
    void mropeSectionsAreFoundInTheVisionModelsConfigWhenThePerceiverConfigHasNone(@TempDir Path tmp)
            throws IOException {
        Path dpa = copy(CASE.resolve("dpa"), tmp.resolve("dpa"));
        Path refs = copy(CASE.resolve("refs"), tmp.resolve("refs"));
        Path config = dpa.resolve("config.json");
        JsonNode root = new ObjectMapper().readTree(config.toFile());
        JsonNode section = root.at("/perceiver_config/rope_scaling");
        ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("perceiver_config")).remove("rope_scaling");
        new ObjectMapper().writeValue(config.toFile(), root);
        var missing = assertThrows(IllegalArgumentException.class, () -> DpaModel.load(dpa, refs));
        assertTrue(missing.getMessage().contains("no mrope_section"), missing.getMessage());

        Path vit = refs.resolve("tiny/Qwen2.5-VL/config.json");
        JsonNode vitConfig = new ObjectMapper().readTree(vit.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) vitConfig).set("rope_scaling", section); // as Qwen2.5-VL-3B
        new ObjectMapper().writeValue(vit.toFile(), vitConfig);
        try (DpaModel model = DpaModel.load(dpa, refs);
                NDManager m = manager.newSubManager()) {
            QwenImageProcessor.Pixels px = model.processor().process(picture("large.png"));
            assertClose(ref("large.features"), model.features(m, px), "features with the vision config's sections");
        }
    }

    @Test
    void aMissingReferencedModelIsNamed(@TempDir Path tmp) {
        var e = assertThrows(RuntimeException.class, () -> DpaModel.load(CASE.resolve("dpa"), tmp));
        assertTrue(e.getMessage().contains("tiny/Qwen2.5-VL") && e.getMessage().contains("vit_path"), e.getMessage());
    }

    static Path copy(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}
