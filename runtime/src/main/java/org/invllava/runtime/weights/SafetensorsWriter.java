package org.invllava.runtime.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.invllava.wire.Half;

/**
 * Writes safetensors files (header JSON padded to 8 bytes, tensors in insertion order). Used to make
 * benchmark and demo checkpoints with the real names and shapes, and by tests.
 */
public final class SafetensorsWriter {
    /** One tensor to write: raw little-endian bytes of {@code dtype}, produced when written. */
    public record Entry(DType dtype, long[] shape, Supplier<ByteBuffer> data) {
        long byteLength() {
            return TensorInfo.numel(shape) * dtype.bytes();
        }
    }

    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer data) {
        long expected = TensorInfo.numel(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(name + ": " + data.remaining() + " bytes for " + expected);
        }
        ByteBuffer copy = data.duplicate();
        tensors.put(name, new Entry(dtype, shape.clone(), copy::duplicate));
        return this;
    }

    /** Adds a tensor whose bytes are produced only while the file is written (large random weights). */
    public SafetensorsWriter addLazy(String name, DType dtype, long[] shape, Supplier<ByteBuffer> data) {
        tensors.put(name, new Entry(dtype, shape.clone(), data));
        return this;
    }

    /** Adds a tensor of another checkpoint under {@code name}, copying its bytes as stored (read when written). */
    public SafetensorsWriter addCopy(String name, TensorInfo source) {
        return addLazy(name, source.dtype(), source.shape(), () -> source.read());
    }

    /** Adds float values, stored as {@code dtype} (F32, F16 or BF16 with round-to-nearest-even). */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        return add(name, dtype, shape, encode(values, dtype));
    }

    public static ByteBuffer encode(float[] values, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Half.fromFloat(v));
                case BF16 -> b.putShort(toBf16(v));
                default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
            }
        }
        return b.flip();
    }

    /** float32 → bfloat16 with round-to-nearest-even, as torch does. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype().name());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long len = e.getValue().byteLength();
            t.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(h, 0, headerBytes, 0, h.length);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            byte[] chunk = new byte[1 << 20];
            for (Map.Entry<String, Entry> e : tensors.entrySet()) {
                ByteBuffer d = e.getValue().data().get();
                if (d.remaining() != e.getValue().byteLength()) {
                    throw new IllegalStateException(e.getKey() + ": produced " + d.remaining() + " bytes");
                }
                while (d.hasRemaining()) {
                    int n = Math.min(chunk.length, d.remaining());
                    d.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
        }
    }
}
