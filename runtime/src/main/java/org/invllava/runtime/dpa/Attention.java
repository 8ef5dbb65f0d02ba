package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.nn.Activations;

/** Scaled dot-product attention of the DPA blocks, pure functions over {@code [H, T, D]} tensors. */
final class Attention {
    private Attention() {}

    /** {@code softmax(q·kᵀ/√D + mask)·v} for q [H, T, D], k and v [H, S, D]; {@code mask} [T, S] or null. */
    static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, NDArray mask) {
        double scale = 1.0 / Math.sqrt(q.getShape().get(2));
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).mul(scale); // [H, T, S]
        if (mask != null) {
            scores = scores.add(mask);
        }
        return Activations.softmaxFp32(scores).matMul(v); // [H, T, D]
    }

    /**
     * {@link #scaledDotProduct} without a mask, {@code chunk} queries at a time: a 1344×1344 picture's full-attention
     * block has 9,216 patches, whose [H, S, S] scores would take 5.4 GB in float32 at once.
     */
    static NDArray chunked(NDArray q, NDArray k, NDArray v, int chunk) {
        long t = q.getShape().get(1);
        if (t <= chunk) {
            return scaledDotProduct(q, k, v, null);
        }
        NDList parts = new NDList();
        for (long start = 0; start < t; start += chunk) {
            NDIndex rows = new NDIndex(":, " + start + ":" + Math.min(t, start + chunk));
            parts.add(scaledDotProduct(q.get(rows), k, v, null)); // [H, chunk, D]
        }
        return NDArrays.concat(parts, 1);
    }

    /** The causal mask of {@code t} new queries after {@code past} cached positions: [T, past + T], −∞ above. */
    static NDArray causalMask(NDManager m, int past, int t) {
        int s = past + t;
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = past + i + 1; j < s; j++) {
                mask[i * s + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m.create(mask, new Shape(t, s));
    }

    /** {@code repeat_kv}: x [S, Hkv, D] → [S, Hkv·groups, D], each kv head repeated {@code groups} times in place. */
    static NDArray repeatKv(NDArray x, int groups) {
        if (groups == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2).repeat(2, groups).reshape(s.get(0), s.get(1) * groups, s.get(2));
    }
}
