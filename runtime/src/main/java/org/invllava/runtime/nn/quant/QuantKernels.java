package org.invllava.runtime.nn.quant;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Optional;
import org.invllava.runtime.nn.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native products of {@link WeightFormat}s other than float32 (src/main/c: products.c, decode_attention.c, pool.c): each weight byte
 * read once per call whatever the number of rows, output rows split over a pool of threads, AVX-512 VNNI or AVX2 code
 * chosen by the CPU at run time. Built with the module where a C compiler is present; without it
 * {@link QuantizedWeight} falls back to plain Java ({@link QuantFormats}), much slower.
 *
 * <p>{@code INVERSE_LLAVA_KERNELS}: {@code auto} (default: the best the CPU has), {@code avx512}, {@code avx2},
 * {@code portable} (C without vector instructions) or {@code java} (no native code).
 * {@code INVERSE_LLAVA_KERNEL_THREADS}: the pool's size (default: {@code OMP_NUM_THREADS} where set, the count
 * libtorch's own ops run on, else the processors the JVM sees).
 */
public final class QuantKernels {
    static final String LEVEL = "INVERSE_LLAVA_KERNELS";
    static final String THREADS = "INVERSE_LLAVA_KERNEL_THREADS";
    static final String OMP_THREADS = "OMP_NUM_THREADS";
    private static final Logger LOG = LoggerFactory.getLogger(QuantKernels.class);
    private static final String[] LEVEL_NAMES = {"portable", "avx2", "avx512"};

    private QuantKernels() {}

    /** The best level the bound kernels have (-1: none bound, and why). */
    private record Bound(int best, String why) {}

    /** Bound once: the instruction level products use, or -1 when the native kernels are not available. */
    private static final class Binding {
        static final Bound BOUND = bindOnce(
                System.getenv(LEVEL),
                threadCount(
                        System.getenv(THREADS),
                        System.getenv(OMP_THREADS),
                        Runtime.getRuntime().availableProcessors()));
        static final int BEST = BOUND.best();
        static final int CHOSEN = chosen(System.getenv(LEVEL), BEST);
    }

    /** The instruction level products run at (0 portable, 1 AVX2, 2 AVX-512 VNNI), or -1 without native kernels. */
    public static int level() {
        return Binding.CHOSEN;
    }

    /** The best level this CPU supports (what tests may force down to), or -1 without native kernels. */
    static int bestLevel() {
        return Binding.BEST;
    }

    /** What runs the products, for logs and bench output: e.g. "avx512, 2 threads, ..." or why plain Java does. */
    public static String describe() {
        return level() < 0
                ? "plain Java (" + Binding.BOUND.why() + ")"
                : LEVEL_NAMES[level()] + ", " + threads() + (threads() == 1 ? " thread, " : " threads, ") + pool();
    }

    /**
     * The threads products run on: {@code kernelThreads} ({@value #THREADS}) where set, else libtorch's count
     * ({@value #OMP_THREADS}: its first level, as libgomp reads "4,2"), else {@code processors}. A service started with
     * {@code OMP_NUM_THREADS=1} beside others thus keeps its 16-bit and quantised products on one thread as well.
     */
    static int threadCount(String kernelThreads, String ompThreads, int processors) {
        if (kernelThreads != null && !kernelThreads.isBlank()) {
            return positive(kernelThreads.trim())
                    .orElseThrow(() -> new IllegalArgumentException(
                            THREADS + " must be a positive whole number, not '" + kernelThreads + "'"));
        }
        if (ompThreads != null && !ompThreads.isBlank()) {
            Optional<Integer> omp = positive(ompThreads.split(",", -1)[0].trim());
            if (omp.isPresent()) {
                return omp.get();
            }
            LOG.warn("{}='{}' is not a thread count; products run on {} threads", OMP_THREADS, ompThreads, processors);
        }
        return processors;
    }

    private static Optional<Integer> positive(String text) {
        try {
            int value = Integer.parseInt(text);
            return value > 0 ? Optional.of(value) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Bound bindOnce(String forced, int threadCount) {
        if ("java".equalsIgnoreCase(forced)) {
            return new Bound(-1, LEVEL + "=java");
        }
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch, whose OpenMP threads the products then share
        Optional<String> failure = NativeLibrary.load("invllava-quant");
        if (failure.isPresent()) {
            LOG.info("16-bit and quantised weights run in plain Java: {}", failure.get());
            return new Bound(-1, failure.get());
        }
        int best = init(threadCount);
        LOG.info(
                "16-bit and quantised weights: native kernels, best level {} of this CPU, {} threads ({})",
                best,
                threads(),
                pool());
        return new Bound(best, "");
    }

    static int chosen(String forced, int best) {
        if (best < 0 || forced == null || forced.isBlank() || forced.equalsIgnoreCase("auto")) {
            return best;
        }
        int asked = switch (forced.toLowerCase(Locale.ROOT)) {
            case "avx512" -> 2;
            case "avx2" -> 1;
            case "portable" -> 0;
            case "java" -> -1;
            default ->
                throw new IllegalArgumentException(
                        LEVEL + " must be auto, avx512, avx2, portable or java, not '" + forced + "'");
        };
        return Math.min(asked, best);
    }

    /** {@code dst} := {@code n} float32 values of {@code src} stored in {@code format} (natively). */
    static void quantize(ByteBuffer src, long n, WeightFormat format, ByteBuffer dst) {
        quantize(src, n, format.code(), dst);
    }

    /**
     * {@code dst} := the q8_0 / q4_0 weight [out, in] in GGUF row order ({@code rows}) regrouped as the kernels read it:
     * each 8 rows' blocks stored together ({@link #groupedBytes}).
     */
    static void regroup(WeightFormat format, ByteBuffer rows, int out, int in, ByteBuffer dst) {
        regroup(format.code(), rows, out, in, dst);
    }

    /** Bytes of a weight [out, in] as the kernels keep it: q8_0 / q4_0 in whole groups of 8 rows. */
    static long groupedBytes(WeightFormat format, int out, int in) {
        return format.quantised() ? format.bytes((out + 7L) / 8 * 8, in) : format.bytes(out, in);
    }

    /** {@code y [rows, out] := x [rows, in] · Wᵀ} at instruction level {@code level}; all buffers direct. */
    static void multiply(
            int level, WeightFormat format, ByteBuffer w, int out, int in, ByteBuffer x, int rows, ByteBuffer y) {
        multiply(level, format.code(), w, out, in, x, rows, y);
    }

    /**
     * One decode step's attention read in place from a KV cache: {@code out [H, D] = softmax(q · kᵀ · scale) · v} per
     * head for {@code q [H, D]} (float32), keys and values float32 or float16 where position s of KV head h starts at
     * element {@code slots[s] · strideSlot + h · strideHead}; query head h reads KV head h / (H / H_kv). Needs the
     * native kernels ({@link #level()} >= 0).
     */
    public static void decodeAttention(
            ByteBuffer q,
            ByteBuffer keys,
            ByteBuffer values,
            boolean f16,
            long[] slots,
            int count,
            long strideSlot,
            long strideHead,
            int heads,
            int kvHeads,
            int dim,
            float scale,
            ByteBuffer out) {
        if (level() < 0) {
            throw new IllegalStateException("native kernels unavailable: " + describe());
        }
        decodeAttention(
                level(), q, keys, values, f16, slots, count, strideSlot, strideHead, heads, kvHeads, dim, scale, out);
    }

    static native void decodeAttention(
            int level,
            ByteBuffer q,
            ByteBuffer keys,
            ByteBuffer values,
            boolean f16,
            long[] slots,
            int count,
            long strideSlot,
            long strideHead,
            int heads,
            int kvHeads,
            int dim,
            float scale,
            ByteBuffer out);

    /**
     * Returns the memory malloc holds free to the system ({@code malloc_trim}): loading quantises one float32 weight at
     * a time, and the freed float32 copies otherwise stay in malloc's arenas beside the stored weights. A no-op without
     * the native kernels.
     */
    public static void trimMalloc() {
        if (level() >= 0) {
            trimMallocNative();
        }
    }

    private static native boolean trimMallocNative();

    private static native int init(int threads);

    private static native int threads();

    private static native String pool();

    private static native void quantize(ByteBuffer src, long n, int format, ByteBuffer dst);

    private static native void regroup(int format, ByteBuffer rows, int out, int in, ByteBuffer dst);

    private static native void multiply(
            int level, int format, ByteBuffer w, int out, int in, ByteBuffer x, int rows, ByteBuffer y);
}
