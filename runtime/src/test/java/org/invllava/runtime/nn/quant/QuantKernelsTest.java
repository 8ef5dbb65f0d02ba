package org.invllava.runtime.nn.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The native kernels against the naive Java product, at every instruction level this CPU has. */
class QuantKernelsTest {
    private static final int[] ROWS = {1, 2, 3, 4, 5, 9, 17, 70}; // 70: past one tile of 64 x rows

    @Test
    void theThreadCountFollowsLibtorchsUnlessSetForTheKernels() {
        assertEquals(3, QuantKernels.threadCount("3", "1", 8), "INVERSE_LLAVA_KERNEL_THREADS wins");
        assertEquals(1, QuantKernels.threadCount(null, "1", 8), "OMP_NUM_THREADS, as libtorch's ops");
        assertEquals(4, QuantKernels.threadCount(" ", "4,2", 8), "OMP_NUM_THREADS' first level");
        assertEquals(8, QuantKernels.threadCount(null, null, 8), "the processors");
        assertEquals(8, QuantKernels.threadCount(null, "many", 8), "an OMP_NUM_THREADS libgomp ignores too");
        for (String bad : new String[] {"0", "-2", "two"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> QuantKernels.threadCount(bad, "4", 8));
            assertEquals(
                    "INVERSE_LLAVA_KERNEL_THREADS must be a positive whole number, not '" + bad + "'", e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = WeightFormat.class,
            names = {"FLOAT16", "BFLOAT16", "Q8_0", "Q4_0"})
    void everyLevelMatchesTheNaiveProduct(WeightFormat format) {
        assumeNative();
        Random random = new Random(7);
        for (int[] shape : new int[][] {{40, 96}, {70, 256}, {16, 32}, {33, 64}, {5, 64}}) {
            int out = shape[0];
            int in = shape[1];
            float[] w = gaussian(random, out * in, 0.05f);
            ByteBuffer stored = direct(format.bytes(out, in));
            QuantKernels.quantize(floats(w), (long) out * in, format, stored);
            ByteBuffer kernels = stored;
            if (format.quantised()) {
                kernels = direct(QuantKernels.groupedBytes(format, out, in));
                QuantKernels.regroup(format, stored, out, in, kernels);
                assertEquals(
                        stored.duplicate().clear(),
                        QuantFormats.ungroup(kernels, format, out, in),
                        "regrouped and back");
            }
            for (int rows : ROWS) {
                float[] x = gaussian(random, rows * in, 1f);
                float[] expected = QuantFormats.referenceProduct(stored, format, out, in, x, rows);
                float[] magnitude = magnitudes(QuantFormats.dequantize(stored, format, out * in), x, out, in, rows);
                for (int level = 0; level <= QuantKernels.bestLevel(); level++) {
                    ByteBuffer y = direct(4L * rows * out);
                    QuantKernels.multiply(level, format, kernels, out, in, floats(x), rows, y);
                    float[] got = read(y, rows * out);
                    for (int i = 0; i < got.length; i++) {
                        float tolerance = 1e-5f * Math.abs(magnitude[i]) + 1e-6f;
                        assertEquals(
                                expected[i],
                                got[i],
                                tolerance,
                                format + " level " + level + " [" + out + ", " + in + "] rows " + rows + " element "
                                        + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = WeightFormat.class,
            names = {"FLOAT16", "BFLOAT16", "Q8_0", "Q4_0"})
    void nativeAndJavaStoreTheSameBytes(WeightFormat format) {
        assumeNative();
        Random random = new Random(11);
        int n = 32 * 64;
        float[] w = gaussian(random, n, 0.3f);
        for (int i = 0; i < 32; i++) {
            w[i] = 0; // an all-zero block: scale 0
        }
        w[40] = 1e-8f; // below float16's normal range
        w[41] = -70000f; // beyond it
        w[42] = Float.MIN_VALUE;
        ByteBuffer viaC = direct(format.bytes(64, 32));
        ByteBuffer viaJava = direct(format.bytes(64, 32));
        QuantKernels.quantize(floats(w), n, format, viaC);
        QuantFormats.quantize(w, format, viaJava);
        assertEquals(viaJava, viaC, format.label());
    }

    @Test
    void storedValuesAreWithinTheFormatsStep() {
        Random random = new Random(3);
        float[] w = gaussian(random, 32 * 8, 1f);
        for (WeightFormat format : new WeightFormat[] {WeightFormat.Q8_0, WeightFormat.Q4_0}) {
            ByteBuffer stored = direct(format.bytes(8, 32));
            QuantFormats.quantize(w, format, stored);
            float[] back = QuantFormats.dequantize(stored, format, w.length);
            for (int b = 0; b < 8; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(w[b * 32 + j]));
                }
                // q4_0 maps the largest magnitude to -8 steps: its own side rounds to half a step, the other side
                // stops at +7 steps, up to a whole step short; the float16 scale adds 2^-11 relative per step
                int levels = format == WeightFormat.Q8_0 ? 127 : 8;
                float step = amax / levels;
                float bound = (format == WeightFormat.Q8_0 ? 0.5f : 1f) * step + levels * step * 0x1.0p-11f;
                for (int j = 0; j < 32; j++) {
                    float err = Math.abs(back[b * 32 + j] - w[b * 32 + j]);
                    assertTrue(err <= bound, format + " block " + b + ": " + err + " > " + bound);
                }
            }
        }
    }

    @Test
    void halfConversionsRoundToNearestEven() {
        assertEquals((short) 0x3c00, QuantFormats.toHalf(1.0f));
        assertEquals((short) 0x3c00, QuantFormats.toHalf(1.0f + 0x1.0p-11f)); // halfway: to even
        assertEquals((short) 0x3c02, QuantFormats.toHalf(1.0f + 3 * 0x1.0p-11f)); // halfway: to even (up)
        assertEquals((short) 0x7c00, QuantFormats.toHalf(70000f));
        assertEquals(65504f, QuantFormats.fromHalf((short) 0x7bff));
        assertEquals(0x1.0p-24f, QuantFormats.fromHalf((short) 0x0001));
        assertEquals((short) 0x3f80, QuantFormats.toBfloat16(1.0f));
        assertEquals((short) 0x3f80, QuantFormats.toBfloat16(Float.intBitsToFloat(0x3f808000))); // halfway: to even
        assertEquals((short) 0x3f82, QuantFormats.toBfloat16(Float.intBitsToFloat(0x3f818000)));
    }

    private static void assumeNative() {
        assumeTrue(QuantKernels.bestLevel() >= 0, "native kernels not built here: " + QuantKernels.describe());
    }

    static float[] gaussian(Random random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * scale;
        }
        return v;
    }

    /** Σ |w·x| per output: the scale of float rounding differences between summation orders. */
    private static float[] magnitudes(float[] w, float[] x, int out, int in, int rows) {
        float[] m = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    m[r * out + o] += Math.abs(w[o * in + i] * x[r * in + i]);
                }
            }
        }
        return m;
    }

    static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }

    static ByteBuffer floats(float[] v) {
        ByteBuffer b = direct(4L * v.length);
        b.asFloatBuffer().put(v);
        return b;
    }

    static float[] read(ByteBuffer b, int n) {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        return v;
    }
}
