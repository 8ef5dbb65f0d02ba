package org.invllava.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Where one tensor's bytes lie: a file, the absolute byte offset of its first element and its length.
 * Tensors are always contiguous row-major little-endian.
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long offset, long byteLength) {

    public TensorInfo {
        long expected = numel(shape) * dtype.bytes();
        if (expected != byteLength) {
            throw new WeightException(file + ": tensor " + name + " has " + byteLength + " bytes, but " + dtype
                    + Arrays.toString(shape) + " needs " + expected);
        }
    }

    public long numel() {
        return numel(shape);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** This tensor's bytes, as stored (little-endian), read from its file. */
    public ByteBuffer read() {
        if (byteLength > Integer.MAX_VALUE) {
            throw new WeightException(file + ": tensor " + name + " is larger than 2 GiB");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) byteLength).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new WeightException(file + ": tensor " + name + " is truncated");
                }
            }
            return b.flip();
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read tensor " + name + ": " + e.getMessage(), e);
        }
    }

    public String describe() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName();
    }
}
