package org.invllava.runtime.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * {@code y = x · Wᵀ + b} with the checkpoint's {@code [out, in]} weight; bias optional.
 *
 * <p>On the CPU, libtorch's float16 GEMM runs at a sixth of the float32 rate here (27 vs 169 GFLOP/s at
 * 640 rows), so float16 inputs of at least {@link #UPCAST_ROWS} rows are multiplied in float32 and the
 * result rounded back to float16; single-row decode steps stay in float16 (bandwidth-bound).
 */
public record Linear(NDArray weight, NDArray bias) {
    public static final int UPCAST_ROWS = 8;

    public Linear(NDArray weight) {
        this(weight, null);
    }

    public NDArray forward(NDArray x) {
        if (x.getDataType() == DataType.FLOAT16 && Device.cpu().equals(x.getDevice())
                && x.getShape().size() / x.getShape().tail() >= UPCAST_ROWS) {
            NDArray w32 = weight.toType(DataType.FLOAT32, true);
            w32.attach(x.getManager());
            NDArray b32 = null;
            if (bias != null) {
                b32 = bias.toType(DataType.FLOAT32, true);
                b32.attach(x.getManager());
            }
            return linear(x.toType(DataType.FLOAT32, false), w32, b32).toType(DataType.FLOAT16, false);
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

    /** One projection producing the parts' outputs side by side (vLLM's QKV / gate-up merge); parts are closed. */
    public static Linear concat(Linear... parts) {
        NDList weights = new NDList();
        NDList biases = new NDList();
        for (Linear p : parts) {
            weights.add(p.weight());
            if (p.bias() != null) {
                biases.add(p.bias());
            }
        }
        NDArray w = NDArrays.concat(weights, 0);
        NDArray b = biases.isEmpty() ? null : NDArrays.concat(biases, 0);
        weights.close();
        biases.close();
        return new Linear(w, b);
    }
}
