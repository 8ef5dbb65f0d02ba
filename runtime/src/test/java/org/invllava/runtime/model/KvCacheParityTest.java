package org.invllava.runtime.model;

import java.nio.file.Files;
import java.util.List;
import org.invllava.runtime.Golden;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.Test;

/** Decoding with the KV cache gives the logits of recomputing the whole sequence from scratch (golden model). */
class KvCacheParityTest {

    @Test
    void cachedDecodeEqualsFullRecomputation() throws Exception {
        try (InverseLlavaModel model = InverseLlavaModel.load(Golden.paths(), LoadOptions.defaults())) {
            byte[] png = Files.readAllBytes(Golden.tinyModel().resolve("image2.png"));
            List<PatchFeatures> images = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png)));
            int[] prompt = model.chat().question("Describe it.", true);
            KvParity.assertCachedDecodeEqualsRecompute(model, prompt, images, 6);
        }
    }
}
