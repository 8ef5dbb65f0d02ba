package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The two rotary embeddings of DPA's perceiver, as cos/sin rows {@code [N, 1, D]} (broadcast over heads) for
 * {@code x·cos + rotate_half(x)·sin}; angles in float32 as transformers computes them.
 * <ul>
 *   <li>{@link #multimodal}: M-RoPE, {@code inv[f] = θ^(−2f/D)}, frequency f takes its position from row t, h or w by
 *       {@code mrope_section} (f &lt; s₀: t, f &lt; s₀+s₁: h, else w), {@code cat(angles, angles)} (perceiver; the
 *       thinker's 1D rotary is the serving decoder's).
 *   <li>{@link #vision}: 2D, {@code inv[i] = θ^(−2i/(D/2))} for i &lt; D/4, angles {@code [h·inv, w·inv]}, duplicated.
 * </ul>
 */
public record Rotary(NDArray cos, NDArray sin) {

    /** M-RoPE of tokens whose (t, h, w) positions are {@code positions[0..2]}. */
    public static Rotary multimodal(NDManager m, double theta, int headDim, List<Integer> section, long[][] positions) {
        int half = headDim / 2;
        int n = positions[0].length;
        float[] angles = new float[n * half];
        for (int f = 0; f < half; f++) {
            float inv = (float) (1.0 / Math.pow(theta, (2.0 * f) / headDim));
            long[] row = positions[f < section.get(0) ? 0 : f < section.get(0) + section.get(1) ? 1 : 2];
            for (int i = 0; i < n; i++) {
                angles[i * half + f] = (float) row[i] * inv;
            }
        }
        return of(m, angles, n, half);
    }

    /** 2D rotary of patches at rows {@code h} and columns {@code w} of the patch grid. */
    public static Rotary vision(NDManager m, double theta, int headDim, long[] h, long[] w) {
        int quarter = headDim / 4;
        int half = headDim / 2;
        int n = h.length;
        float[] angles = new float[n * half];
        for (int i = 0; i < quarter; i++) {
            float inv = (float) (1.0 / Math.pow(theta, (2.0 * i) / half));
            for (int p = 0; p < n; p++) {
                angles[p * half + i] = (float) h[p] * inv;
                angles[p * half + quarter + i] = (float) w[p] * inv;
            }
        }
        return of(m, angles, n, half);
    }

    private static Rotary of(NDManager m, float[] angles, int n, int half) {
        float[] c = new float[n * half * 2];
        float[] s = new float[n * half * 2];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < half; f++) {
                float a = angles[i * half + f];
                c[i * 2 * half + f] = c[i * 2 * half + half + f] = (float) Math.cos(a);
                s[i * 2 * half + f] = s[i * 2 * half + half + f] = (float) Math.sin(a);
            }
        }
        Shape shape = new Shape(n, 1, 2L * half); // [N, 1, D]
        return new Rotary(m.create(c, shape), m.create(s, shape));
    }

    /** Rotates {@code x} [N, H, D], row n by row n of the tables. */
    public NDArray apply(NDArray x) {
        return x.mul(cos).add(rotateHalf(x).mul(sin));
    }

    /** {@code cat(−x₂, x₁)} on the last axis. */
    static NDArray rotateHalf(NDArray x) {
        long half = x.getShape().get(2) / 2;
        NDArray x1 = x.get(new NDIndex(":, :, :" + half));
        NDArray x2 = x.get(new NDIndex(":, :, " + half + ":"));
        return x2.neg().concat(x1, -1);
    }
}
