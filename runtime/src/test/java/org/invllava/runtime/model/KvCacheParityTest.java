package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.Golden;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.junit.jupiter.api.Test;

/** Decoding with the KV cache gives the logits of recomputing the whole sequence from scratch. */
class KvCacheParityTest {

    @Test
    void cachedDecodeEqualsFullRecomputation() throws Exception {
        try (InverseLlavaModel model = InverseLlavaModel.load(Golden.paths(), LoadOptions.defaults())) {
            byte[] png = Files.readAllBytes(Golden.tinyModel().resolve("image2.png"));
            List<VisualFeatures> images = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png)));
            int[] prompt = model.tokenizer().encodePrompt(ChatTemplate.vicunaV1("Describe it.", true));
            int vocab = model.language().config().vocabSize();
            List<Integer> generated = new ArrayList<>();
            try (Sequence cached = model.newSequence()) {
                float[] logits = cached.prefill(ExpandedSequence.build(prompt, images, model.visualDim(), vocab));
                for (int step = 0; step < 6; step++) {
                    int token = Sampler.argMax(logits);
                    generated.add(token);
                    logits = cached.decode(token);
                    int[] all = new int[prompt.length + generated.size()];
                    System.arraycopy(prompt, 0, all, 0, prompt.length);
                    for (int i = 0; i < generated.size(); i++) {
                        all[prompt.length + i] = generated.get(i);
                    }
                    try (Sequence fresh = model.newSequence()) {
                        float[] full = fresh.prefill(ExpandedSequence.build(all, images, model.visualDim(), vocab));
                        assertEquals(full.length, logits.length);
                        for (int v = 0; v < full.length; v++) {
                            assertEquals(full[v], logits[v], 1e-4, "step " + step + " vocab " + v);
                        }
                        assertEquals(cached.length(), fresh.length());
                    }
                }
            }
        }
    }
}
