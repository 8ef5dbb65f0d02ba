package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.generate.Sampler;
import org.invllava.wire.PatchFeatures;

/** Decoding with the KV cache must give the logits of recomputing the whole sequence from scratch. */
final class KvParity {
    private KvParity() {}

    static void assertCachedDecodeEqualsRecompute(
            InverseLlavaModel model, int[] prompt, List<PatchFeatures> images, int steps) {
        int vocab = model.language().config().vocabSize();
        List<Integer> generated = new ArrayList<>();
        try (Sequence cached = model.newSequence()) {
            float[] logits = cached.prefill(ExpandedSequence.build(prompt, images, model.visualDim(), vocab));
            for (int step = 0; step < steps; step++) {
                generated.add(Sampler.argMax(logits));
                logits = cached.decode(generated.get(step));
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
