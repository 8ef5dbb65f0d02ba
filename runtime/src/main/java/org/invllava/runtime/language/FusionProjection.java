package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;

/**
 * The inverse-fusion update of one target P ∈ {q, k, v}:
 * {@code s_P · W_out · concat(text_mask ⊙ W_t2v·H, vision_mask ⊙ RMSNorm_P(V))}.
 */
record FusionProjection(Linear textToVision, Linear output, RmsNorm visualNorm, NDArray scale) {
    NDArray delta(NDArray h, FusionStreams streams) {
        NDArray text = textToVision.forward(h).mul(streams.textMask()); // [T, d_v]
        NDArray vision = visualNorm.forward(streams.visual()).mul(streams.visionMask()); // [T, d_v]
        return output.forward(text.concat(vision, -1)).mul(scale); // [T, d_P]
    }
}
