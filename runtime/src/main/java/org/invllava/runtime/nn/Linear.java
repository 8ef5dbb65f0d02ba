package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * {@code y = x · Wᵀ + b} with the checkpoint's {@code [out, in]} weight; bias optional. Large float16
 * products on the CPU run in float32 ({@link Fp16OnCpu}: 169 vs 27 GFLOP/s at 640 rows here); single-row
 * decode steps stay float16, where they are bandwidth-bound.
 */
public record Linear(NDArray weight, NDArray bias) {

    public Linear(NDArray weight) {
        this(weight, null);
    }

    public NDArray forward(NDArray x) {
        if (Fp16OnCpu.upcast(x, x.getShape().size() / x.getShape().tail())) {
            return linear(x.toType(DataType.FLOAT32, false), Fp16OnCpu.widenWeight(weight, x),
                    Fp16OnCpu.widenWeight(bias, x)).toType(DataType.FLOAT16, false);
        }
        return linear(x, weight, bias);
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return b == null
                ? ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
