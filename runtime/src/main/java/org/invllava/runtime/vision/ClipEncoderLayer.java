package org.invllava.runtime.vision;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.LayerNorm;

/** Pre-LN transformer block: {@code x += attn(LN1(x)); x += mlp(LN2(x))}. */
record ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention attention, LayerNorm layerNorm2, ClipMlp mlp) {
    NDArray forward(NDArray x) {
        NDArray h = x.add(attention.forward(layerNorm1.forward(x)));
        return h.add(mlp.forward(layerNorm2.forward(h)));
    }
}
