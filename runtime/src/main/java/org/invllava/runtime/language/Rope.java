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

    /** cos and sin rows [N, 1, D] of N tokens' positions, broadcast over heads. */
    record Angles(NDArray cos, NDArray sin) {}

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

    /** The angles of tokens at {@code positions} (each below {@link #maxPositions}), owned by {@code m}. */
    Angles at(NDManager m, long[] positions) {
        NDIndex rows = new NDIndex("{}", m.create(positions));
        Shape shape = new Shape(positions.length, 1, headDim);
        return new Angles(cos.get(m, rows).reshape(shape), sin.get(m, rows).reshape(shape)); // [N, 1, D]
    }

    /** Rotates {@code x} [N, H, D], token n by {@code angles} row n. */
    NDArray apply(NDArray x, Angles angles) {
        return x.mul(angles.cos()).add(rotateHalf(x).mul(angles.sin()));
    }

    /** {@code cat(−x₂, x₁)} on the last axis. */
    NDArray rotateHalf(NDArray x) {
        int half = headDim / 2;
        NDArray x1 = x.get(new NDIndex(":, :, :" + half));
        NDArray x2 = x.get(new NDIndex(":, :, " + half + ":"));
        return x2.neg().concat(x1, -1);
    }
}
