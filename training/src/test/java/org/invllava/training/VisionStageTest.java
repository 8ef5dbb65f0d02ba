package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.model.VisionModel;
import org.invllava.runtime.vision.ImageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisionStageTest {
    @Test
    void contrastiveTrainingLowersTheLossAndWritesATowerTheServingPathLoads(@TempDir Path dir) throws Exception {
        ModelPaths init = DemoModelFactory.writeRandomDemo(dir.resolve("init"));
        World world = new World(2, World.DEFAULT_IMAGE_SIZE);
        List<World.Sample> train = world.samples(World.Split.TRAIN, 0, 32);
        Path out = dir.resolve("vision");
        TrainState state = VisionStage.run(init.vision(), out, dir.resolve("work"), train, train.subList(0, 8),
                Tokenizers.load(init.language(), LlamaConfig.load(init.language().resolve("config.json"))),
                new TrainOptions(8, 8, 3e-3, 0.05, 0.0, 1, 100));
        double first = state.losses().subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(Losses.tailMean(state.losses(), 4) < first - 0.3, "contrastive loss " + state.losses());
        assertEquals(8, state.validation().size(), "a retrieval accuracy per epoch");
        assertTrue(Files.isRegularFile(out.resolve("preprocessor_config.json")));
        byte[] png = train.get(0).scene().png();
        float[] before = features(init.vision(), init.fusion(), png);
        float[] after = features(out, init.fusion(), png);
        assertEquals(before.length, after.length);
        assertFalse(java.util.Arrays.equals(before, after), "the trained tower computes other features");
    }

    private static float[] features(Path vision, Path bundle, byte[] png) {
        try (VisionModel v = VisionModel.load(vision, bundle, LoadOptions.defaults())) {
            return v.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png))).get(0).data();
        }
    }
}
