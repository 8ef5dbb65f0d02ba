package org.invllava.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Turns checkpoint tensors into NDArrays of the compute dtype, checking every name and shape and
 * remembering which tensors were used so that unexpected ones can be reported.
 *
 * <p>F32 and F16 data are memory-mapped and wrapped without copying when they already have the compute
 * dtype (the engine keeps the mapped buffer referenced for as long as the array lives). BF16 is widened to F32 in Java (DJL 0.36 aborts on BF16 arrays) and then cast if needed.
 */
public final class TensorLoader implements TensorSource {
    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType computeType;
    private final Set<String> used = new LinkedHashSet<>();
    /** Zero-copy arrays and the region they wrap, so {@link #release} can unmap it at once. */
    private final Map<NDArray, ByteBuffer> wrapped = new IdentityHashMap<>();

    public TensorLoader(Checkpoint checkpoint, NDManager manager, DataType computeType) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.computeType = computeType;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public String source() {
        return checkpoint.source().toString();
    }

    @Override
    public long[] shape(String name) {
        return checkpoint.require(name).shape();
    }

    @Override
    public boolean packable() {
        return true;
    }

    @Override
    public boolean contains(String name) {
        return checkpoint.tensors().containsKey(name);
    }

    /** Loads {@code name} in the compute dtype, failing unless its shape equals {@code expected}. */
    @Override
    public NDArray load(String name, long... expected) {
        return load(name, computeType, expected);
    }

    /** Loads {@code name} as {@code type}, failing unless its shape equals {@code expected}. */
    @Override
    public NDArray load(String name, DataType type, long... expected) {
        TensorInfo info = checkpoint.require(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new WeightException(checkpoint.source() + ": tensor " + name + " has shape "
                    + Arrays.toString(info.shape()) + ", expected " + Arrays.toString(expected));
        }
        if (!info.dtype().isFloat()) {
            throw new WeightException(
                    checkpoint.source() + ": tensor " + name + " has non-float dtype " + info.dtype());
        }
        used.add(name);
        return toArray(info, type);
    }

    private NDArray toArray(TensorInfo info, DataType type) {
        ByteBuffer raw = map(info);
        Shape shape = new Shape(info.shape());
        if (info.dtype() == DType.BF16) {
            ByteBuffer f32 = widenBf16(raw);
            Buffers.free(raw);
            return wrapOrCast(f32, shape, DataType.FLOAT32, type);
        }
        return wrapOrCast(raw, shape, info.dtype().djlType(), type);
    }

    /** Wraps {@code data} when it already has the wanted type; otherwise casts a copy and frees {@code data}. */
    private NDArray wrapOrCast(ByteBuffer data, Shape shape, DataType stored, DataType type) {
        NDArray array = manager.create(data, shape, stored);
        if (stored == type) {
            wrapped.put(array, data);
            return array;
        }
        NDArray cast = array.toType(type, true);
        array.close();
        Buffers.free(data);
        return cast;
    }

    /**
     * Closes an array this loader returned once the caller has copied what it needs (merged, folded), and
     * frees the file region it wrapped now rather than at the next GC.
     */
    @Override
    public void release(NDArray array) {
        array.close();
        Buffers.free(wrapped.remove(array));
    }

    private ByteBuffer map(TensorInfo info) {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new WeightException(info.file() + ": tensor " + info.name() + " is larger than 2 GiB");
        }
        try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            if (info.offset() + info.byteLength() > ch.size()) {
                throw new WeightException(info.file() + ": tensor " + info.name() + " is truncated");
            }
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, info.offset(), info.byteLength());
            buf.order(ByteOrder.LITTLE_ENDIAN);
            return buf;
        } catch (IOException e) {
            throw new WeightException(info.file() + ": cannot map tensor " + info.name() + ": " + e.getMessage(), e);
        }
    }

    /** BF16 is the upper half of an IEEE float32: shifting left by 16 is exact. */
    static ByteBuffer widenBf16(ByteBuffer bf16) {
        ShortBuffer in = bf16.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = in.remaining();
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            out.putInt(i * 4, (in.get(i) & 0xFFFF) << 16);
        }
        return out;
    }

    /** Fails if the checkpoint holds tensors that were never loaded and are not {@code ignorable}. */
    public void checkAllUsed(Predicate<String> ignorable) {
        Set<String> unexpected = new TreeSet<>();
        for (String name : checkpoint.names()) {
            if (!used.contains(name) && !ignorable.test(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            List<String> first = new ArrayList<>(unexpected).subList(0, Math.min(5, unexpected.size()));
            throw new WeightException(checkpoint.source() + ": " + unexpected.size() + " unexpected tensor(s), e.g. "
                    + String.join(", ", first));
        }
    }
}
