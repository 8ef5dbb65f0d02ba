package org.invllava.runtime.nn.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * A weight {@code W} [out, in] stored in a {@link WeightFormat} (16-bit or GGUF blocks) in native memory of its
 * manager, multiplied by float32 activations: {@code x · Wᵀ}. Products run in {@link QuantKernels} where they are
 * bound (q8_0 / q4_0 blocks then regrouped by 8 rows, {@link QuantKernels#regroup}), else in plain Java (GGUF row
 * order, the weight dequantised on every call).
 */
public final class QuantizedWeight {
    private final NDArray storage; // [bytes] int8: the format's rows (regrouped for the kernels); owns `data`'s memory
    private final ByteBuffer data;
    private final boolean grouped;
    private final WeightFormat format;
    private final int out;
    private final int in;

    private QuantizedWeight(NDArray storage, boolean grouped, WeightFormat format, int out, int in) {
        this.storage = storage;
        this.data = storage.toByteBuffer(true);
        this.grouped = grouped;
        this.format = format;
        this.out = out;
        this.in = in;
    }

    /** {@code weight} [out, in] (any float dtype, CPU) stored in {@code format}; the weight itself is untouched. */
    public static QuantizedWeight of(NDArray weight, WeightFormat format) {
        Shape shape = weight.getShape();
        if (shape.dimension() != 2
                || !Device.cpu().equals(weight.getDevice())
                || format == WeightFormat.FLOAT32
                || !format.fits(shape.get(1))) {
            throw new IllegalArgumentException(
                    "cannot store a " + shape + " weight on " + weight.getDevice() + " as " + format.label());
        }
        int out = Math.toIntExact(shape.get(0));
        int in = Math.toIntExact(shape.get(1));
        NDManager manager = weight.getManager();
        boolean grouped = QuantKernels.level() >= 0 && format.quantised();
        long bytes = grouped ? QuantKernels.groupedBytes(format, out, in) : format.bytes(out, in);
        NDArray storage = manager.create(new Shape(bytes), DataType.INT8); // [bytes]
        ByteBuffer dst = storage.toByteBuffer(true);
        try (NDManager scope = manager.newSubManager()) {
            NDArray f32 = weight;
            if (weight.getDataType() != DataType.FLOAT32) {
                f32 = weight.toType(DataType.FLOAT32, false);
                f32.attach(scope); // the widened copy only; the weight stays the caller's
            }
            if (QuantKernels.level() < 0) {
                QuantFormats.quantize(f32.toFloatArray(), format, dst);
            } else if (!grouped) {
                QuantKernels.quantize(f32.toByteBuffer(true), (long) out * in, format, dst);
            } else {
                NDArray rows = scope.create(new Shape(format.bytes(out, in)), DataType.INT8); // [bytes], GGUF order
                ByteBuffer gguf = rows.toByteBuffer(true);
                QuantKernels.quantize(f32.toByteBuffer(true), (long) out * in, format, gguf);
                QuantKernels.regroup(format, gguf, out, in, dst);
            }
        }
        return new QuantizedWeight(storage, grouped, format, out, in);
    }

    /** {@code x · Wᵀ} for {@code x} [..., in] (float32, CPU): a new float32 array [..., out] of {@code x}'s manager. */
    public NDArray multiply(NDArray x) {
        Shape shape = x.getShape();
        if (shape.tail() != in || x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("a " + x.getDataType() + " " + shape + " input for a " + format.label()
                    + " [" + out + ", " + in + "] weight (float32 inputs)");
        }
        int rows = Math.toIntExact(shape.size() / in);
        Shape outShape = shape.slice(0, shape.dimension() - 1).add(out); // [..., out]
        if (QuantKernels.level() < 0) {
            NDArray w = x.getManager().create(dequantized(), new Shape(out, in)); // [out, in]
            return x.reshape(rows, in).matMul(w.transpose()).reshape(outShape);
        }
        NDArray y = x.getManager().create(outShape, DataType.FLOAT32);
        QuantKernels.multiply(
                QuantKernels.level(), format, data, out, in, x.toByteBuffer(true), rows, y.toByteBuffer(true));
        return y;
    }

    public int outFeatures() {
        return out;
    }

    /** The stored weight as float32 values [out · in] (what the format kept of the original). */
    public float[] dequantized() {
        return QuantFormats.dequantize(ggufRows(), format, out * in);
    }

    /** The stored weight in GGUF row order. */
    ByteBuffer ggufRows() {
        return grouped ? QuantFormats.ungroup(data, format, out, in) : data.asReadOnlyBuffer();
    }
}
