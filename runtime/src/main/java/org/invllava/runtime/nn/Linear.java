package org.invllava.runtime.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.invllava.runtime.nn.quant.QuantizedWeight;
import org.invllava.runtime.nn.quant.WeightFormat;

/**
 * {@code y = x · Wᵀ + b} with the checkpoint's {@code [out, in]} weight; bias optional. On the CPU, float32 weights
 * can be {@link #packed() packed} for MKL (batched decode steps 2-3x faster per product). Large float16 products on
 * the CPU run in float32 ({@link Fp16OnCpu}: 169 vs 27 GFLOP/s at 640 rows here); single-row decode steps stay
 * float16, where they are bandwidth-bound. Weights can also be {@link #stored stored} in a {@link WeightFormat} (16-bit or
 * 8/4-bit blocks) for float32 inputs.
 */
public final class Linear {
    private final NDArray weight; // [out, in]; null once packed or stored
    private final NDArray bias; // [out] or null
    private final PackedWeight packedWeight; // or null
    private final QuantizedWeight storedWeight; // or null

    public Linear(NDArray weight) {
        this(weight, null);
    }

    public Linear(NDArray weight, NDArray bias) {
        this(weight, bias, null, null);
    }

    private Linear(NDArray weight, NDArray bias, PackedWeight packedWeight, QuantizedWeight storedWeight) {
        this.weight = weight;
        this.bias = bias;
        this.packedWeight = packedWeight;
        this.storedWeight = storedWeight;
    }

    /**
     * This product with its weight in {@code format}: {@link #packed()} for float32, else a {@link QuantizedWeight}
     * (float16 where the row length is not a whole number of q8_0/q4_0 blocks, as llama.cpp does). The new product no
     * longer reads the weight: the caller may release it.
     */
    public Linear stored(WeightFormat format) {
        if (format == WeightFormat.FLOAT32 || weight == null || !Device.cpu().equals(weight.getDevice())) {
            return packed();
        }
        WeightFormat fitting = format.fits(weight.getShape().get(1)) ? format : WeightFormat.FLOAT16;
        return new Linear(null, bias, null, QuantizedWeight.of(weight, fitting));
    }

    /**
     * This product with its weight in MKL's packed layout when {@link PackedWeight#appliesTo} its dtype and device
     * and the weight is {@link PackedWeight#worthPacking worth packing}, else this one. The packed product no longer
     * reads the weight: the caller may release it.
     */
    public Linear packed() {
        if (packedWeight != null
                || storedWeight != null
                || !PackedWeight.appliesTo(weight.getDataType(), weight.getDevice())
                || !PackedWeight.worthPacking(
                        weight.getShape().get(0), weight.getShape().get(1))) {
            return this;
        }
        return new Linear(null, bias, PackedWeight.pack(weight), null);
    }

    public boolean isPacked() {
        return packedWeight != null;
    }

    public NDArray forward(NDArray x) {
        if (packedWeight != null || storedWeight != null) {
            NDArray y = packedWeight != null ? packedWeight.multiply(x) : storedWeight.multiply(x);
            return bias == null ? y : y.addi(bias);
        }
        if (Fp16OnCpu.upcast(x, x.getShape().size() / x.getShape().tail())) {
            return linear(
                            x.toType(DataType.FLOAT32, false),
                            Fp16OnCpu.widenWeight(weight, x),
                            Fp16OnCpu.widenWeight(bias, x))
                    .toType(DataType.FLOAT16, false);
        }
        return skinny(x) ? transposedForward(x) : linear(x, weight, bias); // (W · xᵀ)ᵀ where faster here
    }

    /** {@code (W · xᵀ)ᵀ + b} for {@code x} [N, in], copied to row-major. */
    NDArray transposedForward(NDArray x) {
        long n = x.getShape().get(0);
        NDArray y = weight.matMul(x.transpose()) // [out, N]
                .transpose()
                .reshape(-1)
                .reshape(n, outFeatures()); // [N, out], row-major (flattening copies)
        return bias == null ? y : y.add(bias);
    }

    /**
     * A float32 CPU product of 2 to 16 rows (a batched decode step) that runs faster as {@code (W · xᵀ)ᵀ} on this
     * machine. Its result is copied to row-major: the transposed view would carry its column-major strides into the
     * next product's input, where MKL's skinny SGEMM is 3x slower (7.0 vs 2.3 ms for [2, 5632]·[2048, 5632]ᵀ).
     */
    private static boolean skinny(NDArray x) {
        long rows = x.getShape().dimension() == 2 ? x.getShape().get(0) : 0;
        return rows >= 2
                && rows <= SkinnyProducts.MAX_ROWS
                && x.getDataType() == DataType.FLOAT32
                && Device.cpu().equals(x.getDevice())
                && SkinnyProducts.transposed(rows);
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return b == null
                ? ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }

    /** The unpacked weight [out, in]; null once packed or stored. */
    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    public long outFeatures() {
        return packedWeight != null
                ? packedWeight.outFeatures()
                : storedWeight != null
                        ? storedWeight.outFeatures()
                        : weight.getShape().get(0);
    }
}
