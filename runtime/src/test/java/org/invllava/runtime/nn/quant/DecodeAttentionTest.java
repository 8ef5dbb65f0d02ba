package org.invllava.runtime.nn.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The native decode attention against a naive softmax(q·kᵀ/√D)·v, on a paged and a per-sequence layout. */
class DecodeAttentionTest {
    @ParameterizedTest
    @CsvSource({"4,4,16,false,true", "8,2,64,true,true", "8,2,64,false,false", "4,1,24,true,false", "32,4,128,true,true"
    })
    void everyLevelMatchesTheNaiveAttention(int heads, int kvHeads, int dim, boolean f16, boolean paged) {
        assumeTrue(QuantKernels.bestLevel() >= 0, "native kernels not built here: " + QuantKernels.describe());
        Random random = new Random(heads * 31L + dim);
        int positions = 37;
        int capacity = paged ? 64 : 48; // pool slots, or the per-sequence buffer's capacity
        float[] keys = QuantKernelsTest.gaussian(random, capacity * kvHeads * dim, 1f);
        float[] values = QuantKernelsTest.gaussian(random, capacity * kvHeads * dim, 1f);
        if (f16) { // what the cache holds: values float16 can represent
            round(keys);
            round(values);
        }
        float[] q = QuantKernelsTest.gaussian(random, heads * dim, 1f);
        long[] slots = new long[positions];
        List<Long> free = new ArrayList<>();
        for (long s = 0; s < capacity; s++) {
            free.add(s);
        }
        Collections.shuffle(free, random);
        for (int p = 0; p < positions; p++) {
            slots[p] = paged ? free.get(p) : p;
        }
        long strideSlot = paged ? (long) kvHeads * dim : dim; // [slots, H_kv, D] or [H_kv, capacity, D]
        long strideHead = paged ? dim : (long) capacity * dim;
        float[] expected = naive(q, keys, values, slots, strideSlot, strideHead, heads, kvHeads, dim);
        for (int level = 0; level <= QuantKernels.bestLevel(); level++) {
            ByteBuffer out = QuantKernelsTest.direct(4L * heads * dim);
            QuantKernels.decodeAttention(
                    level,
                    QuantKernelsTest.floats(q),
                    cache(keys, f16),
                    cache(values, f16),
                    f16,
                    slots,
                    positions,
                    strideSlot,
                    strideHead,
                    heads,
                    kvHeads,
                    dim,
                    (float) (1 / Math.sqrt(dim)),
                    out);
            float[] got = QuantKernelsTest.read(out, heads * dim);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 2e-5f, "level " + level + " element " + i);
            }
        }
    }

    private static float[] naive(
            float[] q,
            float[] k,
            float[] v,
            long[] slots,
            long strideSlot,
            long strideHead,
            int heads,
            int kvHeads,
            int dim) {
        float[] out = new float[heads * dim];
        for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            double[] p = new double[slots.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < slots.length; s++) {
                int at = (int) (slots[s] * strideSlot + kvh * strideHead);
                for (int d = 0; d < dim; d++) {
                    p[s] += (double) q[h * dim + d] * k[at + d];
                }
                p[s] /= Math.sqrt(dim);
                max = Math.max(max, p[s]);
            }
            double sum = 0;
            for (int s = 0; s < slots.length; s++) {
                p[s] = Math.exp(p[s] - max);
                sum += p[s];
            }
            for (int s = 0; s < slots.length; s++) {
                int at = (int) (slots[s] * strideSlot + kvh * strideHead);
                for (int d = 0; d < dim; d++) {
                    out[h * dim + d] += (float) (p[s] / sum * v[at + d]);
                }
            }
        }
        return out;
    }

    private static void round(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = QuantFormats.fromHalf(QuantFormats.toHalf(v[i]));
        }
    }

    private static ByteBuffer cache(float[] v, boolean f16) {
        if (!f16) {
            return QuantKernelsTest.floats(v);
        }
        ByteBuffer b = QuantKernelsTest.direct(2L * v.length);
        for (float x : v) {
            b.putShort(QuantFormats.toHalf(x));
        }
        return b.flip();
    }
}
