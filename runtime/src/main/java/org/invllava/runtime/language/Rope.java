package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding: {@code inv_freq = θ^(−2i/d)}, cos/sin of {@code cat(freqs, freqs)} in float32,
 * {@code x·cos + rotate_half(x)·sin}. Tables cover {@code max_position_embeddings} positions.
 */
final class Rope {
    private final NDArray cos; // [P, D]
    private final NDArray sin; // [P, D]
    private final int headDim;

    Rope(NDManager manager, int headDim, double theta, int maxPositions, DataType type) {
        this.headDim = headDim;
        int half = headDim / 2;
        float[] c = new float[maxPositions * headDim];
        float[] s = new float[maxPositions * headDim];
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            for (int p = 0; p < maxPositions; p++) {
                float f = (float) p * invFreq;
                c[p * headDim + i] = c[p * headDim + i + half] = (float) Math.cos(f);
                s[p * headDim + i] = s[p * headDim + i + half] = (float) Math.sin(f);
            }
        }
        this.cos = manager.create(c, new Shape(maxPositions, headDim)).toType(type, false);
        this.sin = manager.create(s, new Shape(maxPositions, headDim)).toType(type, false);
    }

    int maxPositions() {
        return (int) cos.getShape().get(0);
    }

    /** Rotates {@code x} [H, T, D] whose tokens sit at positions {@code start .. start+T−1}. */
    NDArray apply(NDArray x, int start) {
        int t = (int) x.getShape().get(1);
        NDManager m = x.getManager();
        NDIndex rows = new NDIndex(start + ":" + (start + t));
        NDArray c = cos.get(m, rows); // [T, D], broadcast over heads
        NDArray s = sin.get(m, rows);
        return x.mul(c).add(rotateHalf(x).mul(s));
    }

    /** {@code cat(−x₂, x₁)} on the last axis. */
    NDArray rotateHalf(NDArray x) {
        int half = headDim / 2;
        NDArray x1 = x.get(new NDIndex(":, :, :" + half));
        NDArray x2 = x.get(new NDIndex(":, :, " + half + ":"));
        return x2.neg().concat(x1, -1);
    }
}
