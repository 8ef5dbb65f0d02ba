package org.invllava.runtime.nn.quant;

import java.util.Locale;

/**
 * How the language model's linear weights are stored on the CPU. {@link #FLOAT32} keeps today's products (MKL); the
 * others run through {@link QuantKernels} with float32 activations. q8_0 and q4_0 are GGUF's block formats (32
 * weights per block with one float16 scale: int8, or 4-bit with offset 8), so sizes and speeds compare one to one
 * with llama.cpp.
 */
public enum WeightFormat {
    FLOAT32(0, 4 * 32),
    FLOAT16(1, 2 * 32),
    BFLOAT16(2, 2 * 32),
    Q8_0(3, 2 + 32),
    Q4_0(4, 2 + 16);

    /** Weights per block: a row length must be a multiple of it ({@link #fits}). */
    public static final int BLOCK = 32;

    private final int code;
    private final int blockBytes;

    /** {@code blockBytes}: the bytes of {@link #BLOCK} weights, scale included. */
    WeightFormat(int code, int blockBytes) {
        this.code = code;
        this.blockBytes = blockBytes;
    }

    /** The format's number in the native kernels ({@code enum format} of src/main/c/kernels.h). */
    int code() {
        return code;
    }

    public boolean quantised() {
        return this == Q8_0 || this == Q4_0;
    }

    /** Whether rows of {@code in} weights can be stored in this format (block formats need whole blocks). */
    public boolean fits(long in) {
        return !quantised() || in % BLOCK == 0;
    }

    /** Bytes of a weight [out, in] in this format; {@code in} must {@link #fits fit}. */
    public long bytes(long out, long in) {
        if (!fits(in)) {
            throw new IllegalArgumentException(
                    this + " rows hold whole blocks of " + BLOCK + ", not " + in + " weights");
        }
        return quantised() ? out * (in / BLOCK) * blockBytes : out * in * blockBytes / BLOCK;
    }

    /** Bits per weight, scales included: 32, 16, 16, 8.5, 4.5. */
    public double bitsPerWeight() {
        return blockBytes * 8.0 / BLOCK;
    }

    /** The name users write: float32, float16, bfloat16, q8_0, q4_0. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code float32|float16|bfloat16|q8_0|q4_0} (and the short forms f32, f16, bf16). */
    public static WeightFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "float16", "fp16", "f16" -> FLOAT16;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            default ->
                throw new IllegalArgumentException(
                        "unknown weight format '" + name + "' (float32, float16, bfloat16, q8_0, q4_0)");
        };
    }
}
