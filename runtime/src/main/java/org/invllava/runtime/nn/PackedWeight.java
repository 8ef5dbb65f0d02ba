package org.invllava.runtime.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A float32 CPU weight {@code W} [out, in] kept in MKL's packed GEMM layout ({@code cblas_sgemm_pack}), so that
 * {@code x · Wᵀ} skips the repacking MKL's SGEMM does on every call. That repacking is most of the cost of a batched
 * decode step: 8 rows of [11264, 2048] take 7.6 ms with SGEMM and 2.4 ms packed (one row: 2.0 and 1.8 ms).
 * The packed form replaces the weight but MKL pads it: 1.1-1.8x the bytes of weights of 2048 columns or more, and
 * never less than ~8 MB, so small weights are left alone.
 *
 * <p>{@code INVERSE_LLAVA_PACKED_WEIGHTS}: {@code auto} (default) packs weights whose packed form is at most twice
 * their size, {@code always} packs every float32 CPU weight (tests use it to run the tiny models through this path),
 * {@code 0} packs none. MKL is the one inside libtorch; the binding ({@code src/main/c/mkl_packed_gemm.c}) is built
 * with the module when a C compiler is present; without it weights stay unpacked.
 */
public final class PackedWeight {
    static final String SWITCH = "INVERSE_LLAVA_PACKED_WEIGHTS";
    private static final Logger LOG = LoggerFactory.getLogger(PackedWeight.class);
    /**
     * The product height MKL lays the weight out for. Packed for 1 row, products of 2-4 rows run 2x slower than
     * SGEMM; packed for 2 to 256 rows, every height from 1 to 64 runs at least as fast (measured on [11264, 2048]).
     */
    private static final int ROWS_HINT = 256;

    private final NDArray storage; // [bytes / 4] float32, MKL's own layout; owns the memory behind `packed`
    private final ByteBuffer packed;
    private final int out;
    private final int in;

    private PackedWeight(NDArray storage, int out, int in) {
        this.storage = storage;
        this.packed = storage.toByteBuffer(true);
        this.out = out;
        this.in = in;
    }

    /** Lazily bound, then fixed: why packed products cannot run in this process, or empty when they can. */
    private static final class Binding {
        static final Optional<String> UNAVAILABLE = bindOnce();
    }

    /** Why packed products cannot run here (no binding, no MKL), or empty when they can. */
    public static Optional<String> unavailable() {
        return Binding.UNAVAILABLE;
    }

    /** Whether weights of this dtype on this device can be packed: float32 on the CPU, bound, not switched off. */
    public static boolean appliesTo(DataType type, Device device) {
        return type == DataType.FLOAT32
                && Device.cpu().equals(device)
                && mode() != Mode.OFF
                && unavailable().isEmpty();
    }

    /** Whether a weight [out, in] is worth packing under the {@link #SWITCH} mode (see the class comment). */
    public static boolean worthPacking(long out, long in) {
        return worthPacking(mode(), out, in);
    }

    static boolean worthPacking(Mode mode, long out, long in) {
        return switch (mode) {
            case OFF -> false;
            case ALWAYS -> true;
            case AUTO ->
                unavailable().isEmpty() // MKL's size function is only bound then
                        && packedBytes(ROWS_HINT, Math.toIntExact(out), Math.toIntExact(in)) <= 2 * 4 * out * in;
        };
    }

    /** The packing policy ({@link #SWITCH}). */
    enum Mode {
        OFF,
        AUTO,
        ALWAYS;

        static Mode parse(String value) {
            if (value == null || value.isBlank() || value.equalsIgnoreCase("auto") || value.equals("1")) {
                return AUTO;
            }
            if (value.equals("0") || value.equalsIgnoreCase("off")) {
                return OFF;
            }
            if (value.equalsIgnoreCase("always")) {
                return ALWAYS;
            }
            throw new IllegalArgumentException(SWITCH + " must be auto, always or 0, not '" + value + "'");
        }
    }

    static Mode mode() {
        return Mode.parse(System.getenv(SWITCH));
    }

    /** Packs {@code weight} [out, in] (float32, CPU) into storage of its manager; the weight itself is untouched. */
    public static PackedWeight pack(NDArray weight) {
        Shape shape = weight.getShape();
        if (shape.dimension() != 2 || !appliesTo(weight.getDataType(), weight.getDevice())) {
            throw new IllegalArgumentException(
                    "cannot pack a " + weight.getDataType() + " " + shape + " weight on " + weight.getDevice()
                            + unavailable().map(why -> " (" + why + ")").orElse(""));
        }
        int out = Math.toIntExact(shape.get(0));
        int in = Math.toIntExact(shape.get(1));
        long bytes = packedBytes(ROWS_HINT, out, in);
        NDArray storage = weight.getManager().create(new Shape((bytes + 3) / 4), DataType.FLOAT32); // [bytes / 4]
        pack(weight.toByteBuffer(true), ROWS_HINT, out, in, storage.toByteBuffer(true));
        return new PackedWeight(storage, out, in);
    }

    /** {@code x · Wᵀ} for {@code x} [..., in] (float32, CPU), a new array [..., out] of {@code x}'s manager. */
    public NDArray multiply(NDArray x) {
        Shape shape = x.getShape();
        if (shape.tail() != in || x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("a " + x.getDataType() + " " + shape + " input for a packed [" + out
                    + ", " + in + "] float32 weight");
        }
        int rows = Math.toIntExact(shape.size() / in);
        NDArray y =
                x.getManager().create(shape.slice(0, shape.dimension() - 1).add(out), DataType.FLOAT32); // [..., out]
        multiply(x.toByteBuffer(true), rows, in, packed, out, y.toByteBuffer(true));
        return y;
    }

    public long outFeatures() {
        return out;
    }

    /** Bytes the packed form takes (MKL's layout, padded). */
    public long bytes() {
        return storage.getShape().size() * 4;
    }

    private static Optional<String> bindOnce() {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch, where MKL is found
        Optional<String> why = NativeLibrary.load("invllava-mkl-packed");
        if (why.isEmpty()) {
            why = Optional.ofNullable(bind());
        }
        if (why.isPresent()) {
            LOG.info("float32 weights stay unpacked: {}", why.get());
        } else {
            LOG.info("float32 CPU weights are packed for MKL's GEMM ({}={}; 0 turns it off)", SWITCH, mode());
        }
        return why;
    }

    private static native String bind();

    private static native long packedBytes(int m, int n, int k);

    private static native void pack(ByteBuffer weight, int m, int n, int k, ByteBuffer packed);

    private static native void multiply(ByteBuffer x, int m, int k, ByteBuffer packed, int n, ByteBuffer y);
}
