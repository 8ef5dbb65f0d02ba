package org.invllava.runtime.weights;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor's bytes lie: a file, the absolute byte offset of its first element and its length.
 * Tensors are always contiguous row-major little-endian.
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long offset, long byteLength) {

    public TensorInfo {
        long expected = numel(shape) * dtype.bytes();
        if (expected != byteLength) {
            throw new WeightException(file + ": tensor " + name + " has " + byteLength + " bytes, but "
                    + dtype + Arrays.toString(shape) + " needs " + expected);
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

    public String describe() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName();
    }
}
