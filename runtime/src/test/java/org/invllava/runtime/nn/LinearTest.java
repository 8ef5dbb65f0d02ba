package org.invllava.runtime.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Both forms of a batched-decode product give {@code x · Wᵀ + b}, whichever this machine's measurement picks. */
class LinearTest {
    static NDManager m;

    @BeforeAll
    static void open() {
        m = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        m.close();
    }

    @Test
    void theTransposedFormIsTheSameProductInRowMajorOrder() {
        Random r = new Random(3);
        float[] w = new float[40 * 24];
        float[] b = new float[40];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        Linear linear = new Linear(m.create(w, new Shape(40, 24)), m.create(b, new Shape(40)));
        for (int rows = 2; rows <= SkinnyProducts.MAX_ROWS; rows++) {
            float[] xs = new float[rows * 24];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) r.nextGaussian();
            }
            NDArray x = m.create(xs, new Shape(rows, 24));
            NDArray transposed = linear.transposedForward(x);
            assertEquals(new Shape(rows, 40), transposed.getShape());
            // row-major: the flat order is row after row, as x·Wᵀ's
            assertArrayEquals(
                    ai.djl.nn.core.Linear.linear(x, linear.weight(), linear.bias())
                            .singletonOrThrow()
                            .toFloatArray(),
                    transposed.toFloatArray(),
                    1e-4f,
                    rows + " rows");
            assertArrayEquals(transposed.toFloatArray(), linear.forward(x).toFloatArray(), 1e-4f, rows + " rows");
        }
    }
}
