package org.invllava.runtime.vision;

/**
 * Pillow's separable BICUBIC resampling ({@code a = -0.5}) for 8-bit images, bit-exact with
 * {@code Image.resize(size, Image.BICUBIC)}: the filter support widens by the scale factor when
 * downsampling, coefficients are normalised and rounded to 22-bit fixed point, the horizontal pass
 * runs first into an 8-bit intermediate, then the vertical pass.
 */
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_SUPPORT = 2.0;

    private PillowResize() {}

    static double bicubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Per output index: first input index, count and fixed-point weights. */
    record Coefficients(int[] start, int[] count, int[][] weights) {}

    static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = BICUBIC_SUPPORT * filterScale;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] k = new double[xmax];
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                k[x] = bicubic((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            int[] fixed = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                fixed[x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
            weights[xx] = fixed;
        }
        return new Coefficients(start, count, weights);
    }

    public static RgbImage resize(RgbImage in, int outW, int outH) {
        RgbImage horizontal =
                in.width() == outW ? in : pass(in, outW, in.height(), coefficients(in.width(), outW), true);
        return in.height() == outH ? horizontal : pass(horizontal, outW, outH, coefficients(in.height(), outH), false);
    }

    private static RgbImage pass(RgbImage in, int outW, int outH, Coefficients c, boolean horizontalPass) {
        byte[] out = new byte[outW * outH * 3];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int idx = horizontalPass ? x : y;
                int[] w = c.weights()[idx];
                for (int ch = 0; ch < 3; ch++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int k = 0; k < c.count()[idx]; k++) {
                        int src = c.start()[idx] + k;
                        int v = horizontalPass ? in.get(src, y, ch) : in.get(x, src, ch);
                        ss += (long) v * w[k];
                    }
                    out[(y * outW + x) * 3 + ch] = clip8(ss);
                }
            }
        }
        return new RgbImage(outW, outH, out);
    }

    private static byte clip8(long v) {
        long s = v >> PRECISION_BITS;
        return (byte) (s < 0 ? 0 : s > 255 ? 255 : s);
    }
}
