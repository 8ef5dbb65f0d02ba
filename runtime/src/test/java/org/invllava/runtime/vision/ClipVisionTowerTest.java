package org.invllava.runtime.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.Golden;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.junit.jupiter.api.Test;

/** Feature-layer selection: negative indices, several layers concatenated, CLS dropped, batches. */
class ClipVisionTowerTest {
    private static float[] features(NDManager m, List<Integer> layers, float[] pixels, int batch) {
        Path dir = Golden.tinyModel().resolve("vision");
        ClipVisionConfig c = ClipVisionConfig.load(dir.resolve("config.json"));
        TensorLoader w = new TensorLoader(Checkpoint.open(dir), m, DataType.FLOAT32);
        ClipVisionTower tower = ClipVisionTower.load(c, layers, w);
        NDArray out = tower.encode(m.create(pixels, new Shape(batch, 3, 112, 112)));
        assertEquals(new Shape(batch, 64, 64L * layers.size()), out.getShape());
        return out.toFloatArray();
    }

    @Test
    void concatenatesSelectedLayersAndBatches() throws Exception {
        RgbImage a = new ImageDecoder(1 << 20)
                .decode(Files.readAllBytes(Golden.tinyModel().resolve("image.png")));
        RgbImage b = new ImageDecoder(1 << 20)
                .decode(Files.readAllBytes(Golden.tinyModel().resolve("image2.png")));
        ImagePreprocessor pre =
                new ImagePreprocessor(112, 112, ImagePreprocessor.CLIP_MEAN, ImagePreprocessor.CLIP_STD, true);
        float[] pa = pre.process(a);
        float[] pb = pre.process(b);
        float[] both = new float[pa.length * 2];
        System.arraycopy(pa, 0, both, 0, pa.length);
        System.arraycopy(pb, 0, both, pa.length, pb.length);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] last = features(m, List.of(-1), both, 2);
            float[] penultimate = features(m, List.of(-2), both, 2);
            float[] hd = features(m, List.of(-2, -1), both, 2);
            float[] firstOnly = features(m, List.of(3), pa, 1);
            var golden = Golden.expected().get("cases");
            for (int i = 0; i < 8; i++) {
                assertEquals(
                        golden.get("image.png").get("features_first8").get(i).asDouble(), last[i], 1e-4);
                assertEquals(
                        golden.get("image2.png").get("features_first8").get(i).asDouble(), last[64 * 64 + i], 1e-4);
                assertEquals(last[i], firstOnly[i], 1e-6); // layer 3 of 3 is layer -1
            }
            for (int img = 0; img < 2; img++) {
                for (int p = 0; p < 64; p++) {
                    for (int d = 0; d < 64; d++) {
                        int single = (img * 64 + p) * 64 + d;
                        int pair = (img * 64 + p) * 128 + d;
                        assertEquals(penultimate[single], hd[pair], 1e-6);
                        assertEquals(last[single], hd[pair + 64], 1e-6);
                    }
                }
            }
            assertFalse(java.util.Arrays.equals(last, penultimate));
            assertThrows(IllegalArgumentException.class, () -> features(m, List.of(-5), pa, 1));
        }
    }
}
