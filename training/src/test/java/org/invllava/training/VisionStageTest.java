package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.world.Item;
import org.invllava.evaluation.world.Scene;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.model.VisionModel;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.ImageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VisionStageTest {
    @ParameterizedTest(name = "shape twins and patch labels: {0}")
    @ValueSource(strings = {"false,false", "true,false", "false,true"})
    void contrastiveTrainingLowersTheLossAndWritesATowerTheServingPathLoads(String objectives, @TempDir Path dir)
            throws Exception {
        boolean shapeTwins = objectives.startsWith("true");
        VisionStage.Objective objective = new VisionStage.Objective(shapeTwins, objectives.endsWith("true"));
        ModelPaths init = DemoModelFactory.writeRandomDemo(dir.resolve("init"));
        World world = new World(2, World.DEFAULT_IMAGE_SIZE);
        List<World.Sample> train = world.samples(World.Split.TRAIN, 0, 32);
        Path out = dir.resolve("vision");
        TrainState state = VisionStage.run(
                init.vision(),
                out,
                dir.resolve("work"),
                train,
                train.subList(0, 8),
                Tokenizers.load(
                        init.language(), LlamaConfig.load(init.language().resolve("config.json"))),
                new TrainOptions(8, shapeTwins ? 4 : 8, 3e-3, 0.05, 0.0, 1, 100),
                objective);
        double first = state.losses().subList(0, 4).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
        assertTrue(Losses.tailMean(state.losses(), 4) < first - 0.3, "contrastive loss " + state.losses());
        assertEquals(8, state.validation().size(), "a retrieval accuracy per epoch");
        assertTrue(Files.isRegularFile(out.resolve("preprocessor_config.json")));
        byte[] png = train.get(0).scene().png();
        float[] before = features(init.vision(), init.fusion(), png);
        float[] after = features(out, init.fusion(), png);
        assertEquals(before.length, after.length);
        assertFalse(java.util.Arrays.equals(before, after), "the trained tower computes other features");
    }

    @Test
    void aTwinDiffersOnlyInShapesAndTheCaptionFeaturesBindColourToShape(@TempDir Path dir) throws Exception {
        Scene scene = new World(2, World.DEFAULT_IMAGE_SIZE)
                .samples(World.Split.TRAIN, 0, 1)
                .get(0)
                .scene();
        Scene twin = VisionStage.twin(scene);
        for (int i = 0; i < scene.items().size(); i++) {
            Item a = scene.items().get(i);
            Item b = twin.items().get(i);
            assertNotEquals(a.shape(), b.shape());
            assertEquals(
                    List.of(a.colour(), a.quadrant(), a.cx(), a.cy(), a.radius()),
                    List.of(b.colour(), b.quadrant(), b.cx(), b.cy(), b.radius()));
        }
        ModelPaths init = DemoModelFactory.writeRandomDemo(dir);
        LlamaTokenizer tokenizer = Tokenizers.load(
                init.language(), LlamaConfig.load(init.language().resolve("config.json")));
        Map<Integer, Integer> swapped = VisionStage.captionFeatures(
                "a blue circle at the top left and a red square at the " + "bottom right", tokenizer, true);
        Map<Integer, Integer> original = VisionStage.captionFeatures(
                "a red circle at the top left and a blue square at the " + "bottom right", tokenizer, true);
        assertEquals(bag(original, tokenizer.vocabSize()), bag(swapped, tokenizer.vocabSize()), "the same tokens");
        assertNotEquals(original, swapped, "but other colour-shape pairs");
        String caption = "a red circle at the top left and a blue square at the bottom right";
        Map<Integer, Integer> tokens = new java.util.TreeMap<>();
        for (int id : tokenizer.encode(caption)) {
            tokens.merge(id, 1, Integer::sum);
        }
        assertEquals(
                tokens,
                new java.util.TreeMap<>(VisionStage.captionFeatures(caption, tokenizer, false)),
                "without the pairs: the caption's tokens alone");
    }

    /** The token part of a caption's features. */
    private static Map<Integer, Integer> bag(Map<Integer, Integer> features, int vocab) {
        Map<Integer, Integer> out = new java.util.TreeMap<>(features);
        out.keySet().removeIf(id -> id >= vocab);
        return out;
    }

    private static float[] features(Path vision, Path bundle, byte[] png) {
        try (VisionModel v = VisionModel.load(vision, bundle, LoadOptions.defaults())) {
            return v.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png)))
                    .get(0)
                    .data();
        }
    }
}
