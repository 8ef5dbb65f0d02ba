package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.weights.TensorSource;

/** DPA's {@code linear_align_dim}: {@code A = W₂·ReLU(W₁·F + b₁) + b₂}, perceiver width P → thinker width T. */
record Aligner(Linear first, Linear second) {

    static Aligner load(TensorSource w, String prefix, long perceiverWidth, long thinkerWidth) {
        return new Aligner(
                VisionBlock.linear(w, prefix + "0", perceiverWidth, perceiverWidth),
                VisionBlock.linear(w, prefix + "2", thinkerWidth, perceiverWidth));
    }

    /** features [N+2, P] → [N+2, T]. */
    NDArray forward(NDArray features) {
        return second.forward(Activation.relu(first.forward(features)));
    }
}
