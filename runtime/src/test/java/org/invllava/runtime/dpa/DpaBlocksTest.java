package org.invllava.runtime.dpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The pure pieces of the DPA blocks against hand-worked cases and their naive forms. */
class DpaBlocksTest {
    @Test
    void windowOrderScansWindowsThenUnitsRowMajorAndDropsPadding() {
        WindowOrder o = WindowOrder.of(5, 6, 4); // windows: 4x4, 4x2, 1x4, 1x2 units
        assertArrayEquals(new int[] {16, 8, 4, 2}, o.windows());
        assertArrayEquals(
                new int[] {0, 1, 2, 3, 6, 7, 8, 9, 12, 13, 14, 15, 18, 19, 20, 21},
                java.util.Arrays.copyOf(o.units(), 16));
        assertArrayEquals(
                new int[] {4, 5, 10, 11, 16, 17, 22, 23, 24, 25, 26, 27, 28, 29},
                java.util.Arrays.copyOfRange(o.units(), 16, 30));
        int[] inverse = o.inverse();
        for (int i = 0; i < o.units().length; i++) {
            assertTrue(inverse[o.units()[i]] == i);
        }
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, java.util.Arrays.copyOf(o.patches(4), 8));
    }

    /** The perceiver's causal GQA attention in query chunks (each seeing the keys up to its last) equals the whole. */
    @Test
    void causalAttentionInChunksEqualsTheWhole() {
        int t = Qwen3Layer.QUERY_CHUNK * 2 + 37;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(0, 1, new Shape(4, t, 8), DataType.FLOAT32);
            NDArray k = m.randomNormal(0, 1, new Shape(2, t, 8), DataType.FLOAT32);
            NDArray v = m.randomNormal(0, 1, new Shape(2, t, 8), DataType.FLOAT32);
            NDArray whole = org.invllava.runtime.language.Attention.attend(q, k, v, 0);
            NDArray chunked = Qwen3Layer.causalInChunks(q, k, v);
            assertTrue(whole.sub(chunked).abs().max().getFloat() < 1e-6f);
        }
    }

    @Test
    void chunkedAttentionEqualsTheWholeProduct() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(0, 1, new Shape(2, 50, 8), DataType.FLOAT32);
            NDArray k = m.randomNormal(0, 1, new Shape(2, 50, 8), DataType.FLOAT32);
            NDArray v = m.randomNormal(0, 1, new Shape(2, 50, 8), DataType.FLOAT32);
            NDArray whole = BidirectionalAttention.scaledDotProduct(q, k, v);
            NDArray chunked = BidirectionalAttention.chunked(q, k, v, 16); // 16 + 16 + 16 + 2 queries
            assertTrue(whole.sub(chunked).abs().max().getFloat() < 1e-6f);
        }
    }
}
