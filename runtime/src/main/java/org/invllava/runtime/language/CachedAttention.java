package org.invllava.runtime.language;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.nn.quant.QuantKernels;

/**
 * A decode step's attention (one new token of a sequence) on the CPU, reading the sequence's cache in place through
 * the native kernel ({@link QuantKernels#decodeAttention}): no gathered copy of the cache, no float16 widening of it,
 * one call per sequence and layer instead of libtorch's gather, transpose, cast, two products and a softmax.
 * Where the native kernels are absent, or for prefill rows, {@link Attention#attend} runs.
 */
final class CachedAttention {
    private CachedAttention() {}

    /** Whether a segment of {@code tokens} new positions of {@code cache}, with {@code q} on its device, runs here. */
    static boolean applies(NDArray q, KvStore cache, int tokens) {
        return tokens == 1 && cache.readsInPlace() && Device.cpu().equals(q.getDevice()) && QuantKernels.level() >= 0;
    }

    /** {@code softmax(q·kᵀ/√D)·v} for {@code q} [1, H, D] over the cached positions: [1, H·D] in q's dtype. */
    static NDArray decode(NDArray q, KvView view, int heads, int kvHeads, int headDim) {
        DataType type = q.getDataType();
        NDArray q32 = q.toType(DataType.FLOAT32, false);
        NDArray out = q.getManager().create(new Shape(1, (long) heads * headDim), DataType.FLOAT32); // [1, H·D]
        boolean f16 = view.keys().getDataType() == DataType.FLOAT16;
        if (!f16 && view.keys().getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("a " + view.keys().getDataType() + " KV cache");
        }
        QuantKernels.decodeAttention(
                q32.toByteBuffer(true),
                view.keys().toByteBuffer(true),
                view.values().toByteBuffer(true),
                f16,
                view.slots(),
                view.slots().length,
                view.strideSlot(),
                view.strideHead(),
                heads,
                kvHeads,
                headDim,
                (float) (1.0 / Math.sqrt(headDim)),
                out.toByteBuffer(true));
        return out.toType(type, false);
    }
}
