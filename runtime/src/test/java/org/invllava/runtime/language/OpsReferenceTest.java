package org.invllava.runtime.language;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The NDArray ops against naive Java loops written straight from MODEL_SPEC.md. */
class OpsReferenceTest {
    private NDManager m;
    private final Random random = new Random(7);

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private float[] gaussian(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian() * 3;
        }
        return out;
    }

    @Test
    void rmsNormMatchesNaive() {
        int t = 3;
        int d = 16;
        float[] x = gaussian(t * d);
        float[] w = gaussian(d);
        float eps = 1e-5f;
        float[] got = new RmsNorm(m.create(w), eps)
                .forward(m.create(x, new Shape(t, d)))
                .toFloatArray();
        for (int i = 0; i < t; i++) {
            double ms = 0;
            for (int j = 0; j < d; j++) {
                ms += x[i * d + j] * x[i * d + j];
            }
            double r = 1 / Math.sqrt(ms / d + eps);
            for (int j = 0; j < d; j++) {
                assertEquals(w[j] * x[i * d + j] * r, got[i * d + j], 1e-5);
            }
        }
    }

    @Test
    void linearMatchesNaiveForEveryRowCountIncludingTheSkinnyPath() {
        int in = 24;
        int out = 10;
        float[] w = gaussian(out * in);
        float[] b = gaussian(out);
        Linear linear = new Linear(m.create(w, new Shape(out, in)), m.create(b, new Shape(out)));
        for (int rows = 1; rows <= 18; rows++) { // through the batched-decode row counts
            float[] x = gaussian(rows * in);
            float[] got = linear.forward(m.create(x, new Shape(rows, in))).toFloatArray();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double want = b[o];
                    for (int i = 0; i < in; i++) {
                        want += (double) x[r * in + i] * w[o * in + i];
                    }
                    assertEquals(want, got[r * out + o], 1e-4, rows + " rows, [" + r + ", " + o + "]");
                }
            }
        }
    }

    @Test
    void ropeMatchesNaiveAtEachTokensOwnPosition() {
        int heads = 2;
        int d = 8;
        long[] positions = {3, 4, 5, 17, 0}; // two sequences' tokens stacked: each at its own position
        int t = positions.length;
        double theta = 10000;
        float[] x = gaussian(heads * t * d);
        Rope rope = new Rope(m, d, theta, 64, DataType.FLOAT32);
        float[] got = rope.apply(m.create(x, new Shape(t, heads, d)), rope.at(m, positions))
                .toFloatArray();
        for (int p = 0; p < t; p++) {
            for (int h = 0; h < heads; h++) {
                int base = (p * heads + h) * d;
                for (int i = 0; i < d / 2; i++) {
                    double angle = positions[p] / Math.pow(theta, 2.0 * i / d);
                    double x1 = x[base + i];
                    double x2 = x[base + i + d / 2];
                    assertEquals(x1 * Math.cos(angle) - x2 * Math.sin(angle), got[base + i], 1e-4);
                    assertEquals(x2 * Math.cos(angle) + x1 * Math.sin(angle), got[base + i + d / 2], 1e-4);
                }
            }
        }
    }

    @Test
    void groupedCausalAttentionMatchesNaive() {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
            int heads = 6;
            int kvHeads = 2;
            int t = 3;
            int past = 4;
            int s = past + t;
            int d = 4;
            float[] q = gaussian(heads * t * d);
            float[] k = gaussian(kvHeads * s * d);
            float[] v = gaussian(kvHeads * s * d);
            float[] got = Attention.attend(
                            m.create(q, new Shape(heads, t, d)).toType(type, false),
                            m.create(k, new Shape(kvHeads, s, d)).toType(type, false),
                            m.create(v, new Shape(kvHeads, s, d)).toType(type, false),
                            past)
                    .toType(DataType.FLOAT32, false)
                    .toFloatArray();
            double tol = type == DataType.FLOAT32 ? 1e-4 : 0.1;
            for (int h = 0; h < heads; h++) {
                int kv = h / (heads / kvHeads); // HF repeat_kv: consecutive query heads share a KV head
                for (int i = 0; i < t; i++) {
                    double[] scores = new double[past + i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= past + i; j++) {
                        for (int x = 0; x < d; x++) {
                            scores[j] += q[(h * t + i) * d + x] * k[(kv * s + j) * d + x];
                        }
                        scores[j] /= Math.sqrt(d);
                        max = Math.max(max, scores[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < scores.length; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        total += scores[j];
                    }
                    for (int x = 0; x < d; x++) {
                        double out = 0;
                        for (int j = 0; j < scores.length; j++) {
                            out += scores[j] / total * v[(kv * s + j) * d + x];
                        }
                        assertEquals(out, got[(h * t + i) * d + x], tol, type + " head " + h + " query " + i);
                    }
                }
            }
        }
    }
}
