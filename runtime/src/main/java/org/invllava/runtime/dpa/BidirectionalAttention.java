package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Scopes;

/**
 * The vision tower's attention: bidirectional within a segment (a window or the whole picture), pure functions over
 * {@code [H, T, D]} tensors. The perceiver's causal attention is the LLaMA decoder's ({@code language.Attention}).
 */
final class BidirectionalAttention {
    private BidirectionalAttention() {}

    /** {@code softmax(q·kᵀ/√D)·v} for q [H, T, D], k and v [H, S, D]: every query sees every key. */
    static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v) {
        double scale = 1.0 / Math.sqrt(q.getShape().get(2));
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).mul(scale); // [H, T, S]
        return Activations.softmaxFp32(scores).matMul(v); // [H, T, D]
    }

    /**
     * {@link #scaledDotProduct} without a mask, {@code chunk} queries at a time, each chunk's scores freed before the
     * next: a 1344×1344 picture's full-attention block has 9,216 patches, whose [H, S, S] scores would take 5.4 GB in
     * float32 at once (kept until the block ends, they did: 2212×2212 px took 20 GB in the tiny model).
     */
    static NDArray chunked(NDArray q, NDArray k, NDArray v, int chunk) {
        long t = q.getShape().get(1);
        if (t <= chunk) {
            return scaledDotProduct(q, k, v);
        }
        NDList parts = new NDList();
        for (long start = 0; start < t; start += chunk) {
            NDIndex rows = new NDIndex(":, " + start + ":" + Math.min(t, start + chunk));
            parts.add(Scopes.scoped(q.get(rows), qc -> scaledDotProduct(qc, k, v))); // [H, chunk, D]
        }
        return NDArrays.concat(parts, 1);
    }
}
