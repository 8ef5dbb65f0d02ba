package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** {@code w · (x · rsqrt(mean(x²) + eps))}, the reduction in float32, as HF's LlamaRMSNorm. */
public record RmsNorm(NDArray weight, float eps) {
    public NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray variance = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div(variance.add(eps).sqrt());
        return normed.toType(in, false).mul(weight);
    }
}
