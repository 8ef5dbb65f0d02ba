package org.invllava.runtime.model;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.weights.TensorSource;

/** LLaVA-1.5's {@code mlp2x_gelu} projector: {@code linear_2(gelu(linear_1(V)))}, exact erf GELU, with biases. */
public record LlavaProjector(Linear linear1, Linear linear2) {
    /** {@code linear_{1,2}.{weight,bias}} of {@code w}: CLIP features of {@code visionDim} → LLaMA's {@code textDim}. */
    public static LlavaProjector load(TensorSource w, long visionDim, long textDim) {
        return new LlavaProjector(
                new Linear(w.load("linear_1.weight", textDim, visionDim), w.load("linear_1.bias", textDim)),
                new Linear(w.load("linear_2.weight", textDim, textDim), w.load("linear_2.bias", textDim)));
    }

    /** Patch features [N, visionDim] → input embeddings [N, textDim]. */
    public NDArray forward(NDArray features) {
        return linear2.forward(Activations.gelu(linear1.forward(features)));
    }
}
