package org.invllava.runtime.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which form of a float32 CPU product with 2 to {@link #MAX_ROWS} rows (a batched decode step) is faster on this
 * machine: {@code x · Wᵀ} or {@code (W · xᵀ)ᵀ}. The answer depends on the BLAS build and the CPU (MKL's AMD path:
 * 5.3 vs 10.1 ms for [2, 2048]·[11264, 2048]ᵀ in favour of {@code W · xᵀ}; its Intel path, on the same AMD CPU with
 * bin/mkl-vendor-shim.c: 2.9 vs 6.9 ms the other way), so it is measured once per process, on first use.
 */
final class SkinnyProducts {
    static final int MAX_ROWS = 16;
    private static final Logger LOG = LoggerFactory.getLogger(SkinnyProducts.class);
    private static final int[] MEASURED_ROWS = {2, 4, 8, 16};

    private SkinnyProducts() {}

    /** Lazily measured, then fixed: whether {@code rows} rows run as {@code (W · xᵀ)ᵀ}, for rows 0..MAX_ROWS. */
    private static final class Choice {
        static final boolean[] TRANSPOSED = measure();
    }

    /** Whether a float32 CPU product with {@code rows} rows (2 to {@link #MAX_ROWS}) should run as {@code (W · xᵀ)ᵀ}. */
    static boolean transposed(long rows) {
        return Choice.TRANSPOSED[(int) rows];
    }

    private static boolean[] measure() {
        boolean[] out = new boolean[MAX_ROWS + 1];
        StringBuilder log = new StringBuilder();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = m.randomUniform(-1, 1, new Shape(6144, 2048)); // 48 MiB: larger than the caches
            for (int i = 0; i < MEASURED_ROWS.length; i++) {
                int rows = MEASURED_ROWS[i];
                NDArray x = m.randomUniform(-1, 1, new Shape(rows, 2048));
                double plain = medianMs(() -> ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow());
                double transposed = medianMs(() -> w.matMul(x.transpose()));
                int upTo = i + 1 < MEASURED_ROWS.length ? MEASURED_ROWS[i + 1] : MAX_ROWS + 1;
                Arrays.fill(out, rows, upTo, transposed < plain);
                log.append(String.format(" %d rows: x·Wᵀ %.2f ms, W·xᵀ %.2f ms;", rows, plain, transposed));
            }
        }
        LOG.info("float32 products of 2-{} rows, measured on [6144, 2048]:{}", MAX_ROWS, log);
        return out;
    }

    private static double medianMs(java.util.function.Supplier<NDArray> product) {
        product.get().close(); // warm-up
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            product.get().close();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
