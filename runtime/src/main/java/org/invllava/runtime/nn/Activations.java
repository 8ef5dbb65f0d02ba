package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Element-wise activations used by CLIP, LLaMA and the LLaVA projector. */
public final class Activations {
    private Activations() {}

    /** {@code x · σ(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** Exact GELU {@code x · Φ(x) = x/2 · (1 + erf(x/√2))} (torch's default, not the tanh approximation). */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** CLIP's {@code x · σ(1.702 x)}. */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(Scalars.times(x, 1.702)));
    }

    /** Softmax over the last axis computed in float32, returned in the input dtype. */
    public static NDArray softmaxFp32(NDArray scores) {
        return scores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                .softmax(-1)
                .toType(scores.getDataType(), false);
    }
}
