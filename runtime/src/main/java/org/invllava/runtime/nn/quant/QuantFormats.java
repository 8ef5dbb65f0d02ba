package org.invllava.runtime.nn.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The formats in plain Java, the same arithmetic as the native kernels (and ggml's reference code): storing a float32
 * weight, reading it back, and the naive product the kernels are tested against. It is also the path when the native
 * kernels are absent.
 */
public final class QuantFormats {
    private static final int QK = WeightFormat.BLOCK;

    private QuantFormats() {}

    /** {@code w} [out, in] (row-major) stored in {@code format}, little-endian, into {@code dst}. */
    public static void quantize(float[] w, WeightFormat format, ByteBuffer dst) {
        ByteBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (format) {
            case FLOAT32 -> {
                for (float v : w) {
                    out.putFloat(v);
                }
            }
            case FLOAT16 -> {
                for (float v : w) {
                    out.putShort(toHalf(v));
                }
            }
            case BFLOAT16 -> {
                for (float v : w) {
                    out.putShort(toBfloat16(v));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < w.length / QK; b++) {
                    float d = blockAmax(w, b) / 127;
                    float id = d != 0 ? 1.0f / d : 0.0f;
                    out.putShort(toHalf(d));
                    for (int j = 0; j < QK; j++) {
                        out.put((byte) roundHalfAway(w[b * QK + j] * id));
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < w.length / QK; b++) {
                    float amax = 0;
                    float max = 0;
                    for (int j = 0; j < QK; j++) {
                        float v = w[b * QK + j];
                        if (amax < Math.abs(v)) {
                            amax = Math.abs(v);
                            max = v;
                        }
                    }
                    float d = max / -8;
                    float id = d != 0 ? 1.0f / d : 0.0f;
                    out.putShort(toHalf(d));
                    for (int j = 0; j < QK / 2; j++) {
                        int lo = Math.min(15, (byte) (int) (w[b * QK + j] * id + 8.5f));
                        int hi = Math.min(15, (byte) (int) (w[b * QK + QK / 2 + j] * id + 8.5f));
                        out.put((byte) (lo | hi << 4));
                    }
                }
            }
        }
    }

    /** The float32 values of a weight of {@code count} elements stored in {@code format}. */
    public static float[] dequantize(ByteBuffer src, WeightFormat format, int count) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] w = new float[count];
        switch (format) {
            case FLOAT32 -> in.asFloatBuffer().get(w);
            case FLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    w[i] = fromHalf(in.getShort());
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    w[i] = Float.intBitsToFloat((in.getShort() & 0xffff) << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count / QK; b++) {
                    float d = fromHalf(in.getShort());
                    for (int j = 0; j < QK; j++) {
                        w[b * QK + j] = d * in.get();
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < count / QK; b++) {
                    float d = fromHalf(in.getShort());
                    for (int j = 0; j < QK / 2; j++) {
                        int q = in.get() & 0xff;
                        w[b * QK + j] = d * ((q & 15) - 8);
                        w[b * QK + QK / 2 + j] = d * ((q >> 4) - 8);
                    }
                }
            }
        }
        return w;
    }

    /**
     * GGUF rows [out, in] of q8_0 / q4_0 blocks from the kernels' regrouped layout (products.c, {@code regroup}):
     * per 8 rows and block, the 8 float16 scales, then 32-byte vectors k whose byte 4r + j is element 4k + j of row r
     * (q8_0: 8 vectors, biased by 128; q4_0: 4 vectors, element 4(k + 4) + j in the high nibble).
     */
    public static ByteBuffer ungroup(ByteBuffer grouped, WeightFormat format, int out, int in) {
        ByteBuffer src = grouped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst =
                ByteBuffer.allocate(Math.toIntExact(format.bytes(out, in))).order(ByteOrder.LITTLE_ENDIAN);
        int nb = in / QK;
        int groupBlockBytes = Math.toIntExact(format.bytes(8, QK)); // a block of 8 rows
        for (int row = 0; row < out; row++) {
            int g = row / 8;
            int r = row % 8;
            for (int b = 0; b < nb; b++) {
                int at = (g * nb + b) * groupBlockBytes;
                int[] e = new int[QK];
                for (int k = 0; k < QK / 4; k++) {
                    for (int j = 0; j < 4; j++) {
                        int v = src.get(at + 16 + 32 * (format == WeightFormat.Q8_0 ? k : k % 4) + 4 * r + j) & 0xff;
                        e[4 * k + j] = format == WeightFormat.Q8_0 ? v - 128 : (k < 4 ? v & 15 : v >> 4) - 8;
                    }
                }
                dst.putShort(src.getShort(at + 2 * r));
                if (format == WeightFormat.Q8_0) {
                    for (int j = 0; j < QK; j++) {
                        dst.put((byte) e[j]);
                    }
                } else {
                    for (int j = 0; j < QK / 2; j++) {
                        dst.put((byte) ((e[j] + 8) | (e[QK / 2 + j] + 8) << 4));
                    }
                }
            }
        }
        return dst.flip();
    }

    /**
     * The naive product {@code y [rows, out] = x [rows, in] · Wᵀ} as the kernels define it: for q8_0 and q4_0, each
     * block of 32 of x is first rounded to int8 with the scale amax / 127 (to nearest even), and block products are
     * integer dot products times both scales. Summed in double.
     */
    public static float[] referenceProduct(
            ByteBuffer weight, WeightFormat format, int out, int in, float[] x, int rows) {
        float[] w = dequantize(weight, format, out * in);
        float[] xs = format.quantised() ? roundActivations(x) : x;
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += (double) w[o * in + i] * xs[r * in + i];
                }
                y[r * out + o] = (float) sum;
            }
        }
        return y;
    }

    /** x with each block of 32 rounded to the int8 grid the kernels multiply by (amax / 127 steps). */
    static float[] roundActivations(float[] x) {
        float[] q = new float[x.length];
        for (int b = 0; b < x.length / QK; b++) {
            float d = blockAmax(x, b) / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            for (int j = 0; j < QK; j++) {
                q[b * QK + j] = d * (float) Math.rint(x[b * QK + j] * id);
            }
        }
        return q;
    }

    /** The largest magnitude in block {@code b} of 32 values of {@code v}. */
    private static float blockAmax(float[] v, int b) {
        float amax = 0;
        for (int j = 0; j < QK; j++) {
            amax = Math.max(amax, Math.abs(v[b * QK + j]));
        }
        return amax;
    }

    private static int roundHalfAway(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    /** IEEE half from float, rounding to nearest even (ggml's fp16_ieee_from_fp32_value). */
    public static short toHalf(float f) {
        float base = (Math.abs(f) * 0x1.0p+112f) * 0x1.0p-110f;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) {
            bias = 0x71000000;
        }
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int nonsign = ((bits >>> 13) & 0x00007C00) + (bits & 0x00000FFF);
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign));
    }

    /** Float from IEEE half (ggml's fp16_ieee_to_fp32_value). */
    public static float fromHalf(short h) {
        int w = (h & 0xffff) << 16;
        int sign = w & 0x80000000;
        int twoW = w + w;
        float normalized = Float.intBitsToFloat((twoW >>> 4) + (0xE0 << 23)) * 0x1.0p-112f;
        float denormalized = Float.intBitsToFloat((twoW >>> 17) | (126 << 23)) - 0.5f;
        int bits = Integer.compareUnsigned(twoW, 1 << 27) < 0
                ? Float.floatToRawIntBits(denormalized)
                : Float.floatToRawIntBits(normalized);
        return Float.intBitsToFloat(sign | bits);
    }

    /** bfloat16 from float, rounding to nearest even; NaN stays NaN. */
    public static short toBfloat16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
