package org.invllava.runtime.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * libtorch's CPU kernels for float16 matrix products and convolutions are several times (GEMM) to
 * hundreds of times (batched matmul) slower than float32 here; such products run in float32 and round
 * back. Element-wise work and single-row decode products stay in float16.
 */
public final class Fp16OnCpu {
    /**
     * Products with at least this many output rows are upcast. Below it (decode batches) the float16 kernel wins:
     * the upcast widens the whole weight on every call ([8, 2048]·[11264, 2048]ᵀ: 9.6 ms in float16, ~20 ms
     * widened; a single row runs at 31 GB/s in float16 on this AVX-512 machine).
     */
    public static final int UPCAST_ROWS = 16;

    private Fp16OnCpu() {}

    /** Whether a product producing {@code rows} rows from {@code x} should run in float32. */
    public static boolean upcast(NDArray x, long rows) {
        return x.getDataType() == DataType.FLOAT16
                && rows >= UPCAST_ROWS
                && Device.cpu().equals(x.getDevice());
    }

    /** The dtype attention runs in for activations like {@code x}: float32 for float16 on the CPU. */
    public static DataType attentionType(NDArray x) {
        return attentionType(x.getDataType(), x.getDevice());
    }

    public static DataType attentionType(DataType type, Device device) {
        return type == DataType.FLOAT16 && Device.cpu().equals(device) ? DataType.FLOAT32 : type;
    }

    /** {@code a · b} (batched), through float32 for large float16 products on the CPU. */
    public static NDArray matMul(NDArray a, NDArray b) {
        long rows = a.getShape().get(a.getShape().dimension() - 2);
        if (!upcast(a, rows)) {
            return a.matMul(b);
        }
        return a.toType(DataType.FLOAT32, false)
                .matMul(b.toType(DataType.FLOAT32, false))
                .toType(DataType.FLOAT16, false);
    }

    /** A float32 copy of a weight, owned by {@code like}'s manager (freed with the current scope). */
    public static NDArray widenWeight(NDArray weight, NDArray like) {
        if (weight == null) {
            return null;
        }
        NDArray w32 = weight.toType(DataType.FLOAT32, true);
        w32.attach(like.getManager());
        return w32;
    }
}
