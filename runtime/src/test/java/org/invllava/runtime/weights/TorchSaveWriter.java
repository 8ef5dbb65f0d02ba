package org.invllava.runtime.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helper: writes a state dict the way {@code torch.save} does (zip of stored entries
 * {@code archive/data.pkl}, {@code archive/data/KEY}, {@code archive/version}; pickle protocol 2 with
 * {@code _rebuild_tensor_v2} and persistent storage ids). Each tensor gets its own storage unless added
 * with {@link #addView}, which shares the previous storage at an element offset.
 */
public final class TorchSaveWriter {
    private record Tensor(String name, DType dtype, long[] shape, int storage, long offset) {}

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<Integer, byte[]> storages = new LinkedHashMap<>();
    private final Map<Integer, DType> storageTypes = new LinkedHashMap<>();

    public TorchSaveWriter add(String name, DType dtype, long[] shape, ByteBuffer data) {
        int key = storages.size();
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        storages.put(key, bytes);
        storageTypes.put(key, dtype);
        tensors.put(name, new Tensor(name, dtype, shape, key, 0));
        return this;
    }

    /** A tensor that lives inside the last added storage, starting at element {@code offset}. */
    public TorchSaveWriter addView(String name, long[] shape, long offset) {
        int key = storages.size() - 1;
        tensors.put(name, new Tensor(name, storageTypes.get(key), shape, key, offset));
        return this;
    }

    public void write(Path file) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, "archive/data.pkl", pickle());
            stored(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<Integer, byte[]> s : storages.entrySet()) {
                stored(zip, "archive/data/" + s.getKey(), s.getValue());
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private byte[] pickle() throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        global(p, "collections", "OrderedDict");
        p.write(new byte[] {'q', 0}); // BINPUT 0: memo the OrderedDict global
        p.write(')');
        p.write('R');
        p.write('(');
        for (Tensor t : tensors.values()) {
            unicode(p, t.name());
            global(p, "torch._utils", "_rebuild_tensor_v2");
            p.write('(');
            p.write('(');
            unicode(p, "storage");
            global(p, "torch", storageClass(t.dtype()));
            unicode(p, String.valueOf(t.storage()));
            unicode(p, "cpu");
            binint(p, storages.get(t.storage()).length / t.dtype().bytes());
            p.write('t');
            p.write('Q');
            binint(p, (int) t.offset());
            p.write('(');
            for (long d : t.shape()) {
                binint(p, (int) d);
            }
            p.write('t');
            p.write('(');
            long stride = 1;
            long[] strides = new long[t.shape().length];
            for (int i = t.shape().length - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= t.shape()[i];
            }
            for (long s : strides) {
                binint(p, (int) s);
            }
            p.write('t');
            p.write(0x89);
            p.write(new byte[] {'h', 0}); // BINGET 0: OrderedDict for backward hooks
            p.write(')');
            p.write('R');
            p.write('t');
            p.write('R');
        }
        p.write('u');
        p.write('.');
        return p.toByteArray();
    }

    private static String storageClass(DType t) {
        return switch (t) {
            case F32 -> "FloatStorage";
            case F16 -> "HalfStorage";
            case BF16 -> "BFloat16Storage";
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    private static void global(OutputStream p, String module, String name) throws IOException {
        p.write('c');
        p.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(OutputStream p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(b.length)
                .array());
        p.write(b);
    }

    private static void binint(OutputStream p, int v) throws IOException {
        p.write('J');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }
}
