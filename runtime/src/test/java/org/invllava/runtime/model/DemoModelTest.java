package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.DType;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated demo model (project-made tokenizer, grouped KV heads, F16 weights) passes the loader's
 * checks and runs; this needs no golden data, so it also runs on a fresh clone.
 */
class DemoModelTest {
    @TempDir
    static Path dir;

    static ModelPaths paths;

    @BeforeAll
    static void write() throws Exception {
        paths = new DemoModelFactory(ModelShape.tiny(), DType.F16, 3).write(dir);
    }

    private static RgbImage randomImage() {
        byte[] px = new byte[112 * 112 * 3];
        new java.util.Random(1).nextBytes(px);
        return new RgbImage(112, 112, px);
    }

    private static List<PatchFeatures> image(InverseLlavaModel model) {
        return model.encodeImages(List.of(randomImage()));
    }

    @Test
    void loadsAndGeneratesWithTheProjectTokenizer() {
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults())) {
            String text = "what color is the car on the left?";
            assertEquals(text, model.tokenizer().decode(model.tokenizer().encode(text)));
            int[] ids = model.chat().question(text, true);
            GenerationResult r =
                    new Generator(model).generate(ids, image(model), SamplingParams.greedy(6), (i, t, d) -> {});
            assertTrue(r.tokenIds().length >= 1 && r.tokenIds().length <= 6);
            assertEquals(ids.length - 1 + 64, r.expandedPromptLength());
        }
    }

    @Test
    void groupedKvHeadsDecodeEqualsFullRecomputation() {
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults())) {
            assertTrue(model.language().config().kvGroups() > 1);
            int[] prompt = model.chat().question("describe", true);
            KvParity.assertCachedDecodeEqualsRecompute(model, prompt, image(model), 4);
        }
    }

    @Test
    void visionAloneGivesTheFeaturesOfTheWholeModel() {
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults());
                VisionModel vision = VisionModel.load(paths.vision(), paths.fusion(), LoadOptions.defaults())) {
            assertEquals(model.visualDim(), vision.featureDim());
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    image(model).get(0).data(),
                    vision.encodeImages(List.of(randomImage())).get(0).data(),
                    0f);
        }
    }
}
