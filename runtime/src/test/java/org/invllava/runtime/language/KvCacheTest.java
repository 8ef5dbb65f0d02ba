package org.invllava.runtime.language;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    @Test
    void growingKeepsEveryPositionInOrder() {
        try (NDManager m = NDManager.newBaseManager();
                KvCache cache = new KvCache(m, 1, 4096)) {
            int total = 0;
            for (int t : new int[] {200, 100, 1, 300}) {
                float[] k = new float[2 * t * 3];
                for (int h = 0; h < 2; h++) {
                    for (int p = 0; p < t; p++) {
                        for (int d = 0; d < 3; d++) {
                            k[(h * t + p) * 3 + d] = h * 10000 + (total + p) * 10 + d;
                        }
                    }
                }
                try (NDManager scope = m.newSubManager()) {
                    NDArray step = scope.create(k, new Shape(2, t, 3));
                    NDArray[] kv = cache.append(
                            0, step.transpose(1, 0, 2), step.neg().transpose(1, 0, 2), scope); // as [T, H_kv, D]
                    cache.advance(t);
                    total += t;
                    assertEquals(new Shape(2, total, 3), kv[0].getShape());
                    float[] all = kv[0].toFloatArray();
                    for (int h = 0; h < 2; h++) {
                        for (int p = 0; p < total; p++) {
                            assertArrayEquals(
                                    new float[] {h * 10000 + p * 10, h * 10000 + p * 10 + 1, h * 10000 + p * 10 + 2},
                                    java.util.Arrays.copyOfRange(all, (h * total + p) * 3, (h * total + p) * 3 + 3));
                        }
                    }
                    assertEquals(-all[5], kv[1].toFloatArray()[5]);
                }
            }
        }
    }
}
