package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;

/** {@code y = x · Wᵀ + b} with the checkpoint's {@code [out, in]} weight; bias optional. */
public record Linear(NDArray weight, NDArray bias) {
    public Linear(NDArray weight) {
        this(weight, null);
    }

    public NDArray forward(NDArray x) {
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
