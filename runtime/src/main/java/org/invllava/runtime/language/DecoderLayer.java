package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.RmsNorm;

/** Pre-norm LLaMA block: {@code x += attn(norm1(x)); x += mlp(norm2(x))}. */
record DecoderLayer(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {
    NDArray forward(NDArray x, FusionStreams streams, Rope.Angles angles, ForwardBatch batch) {
        NDArray h = x.add(attention.forward(inputNorm.forward(x), streams, angles, batch, index));
        return h.add(mlp.forward(postAttentionNorm.forward(h)));
    }
}
