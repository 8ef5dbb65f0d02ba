package org.invllava.runtime.weights;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a state dict written by {@code torch.save} (zip format: {@code ARCHIVE/data.pkl} plus one stored
 * entry per storage, {@code ARCHIVE/data/KEY}) without Python. Tensors must be contiguous.
 */
final class TorchZipFile {
    private record StorageRef(DType dtype, String key) {}

    private record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage",
            DType.F32,
            "HalfStorage",
            DType.F16,
            "BFloat16Storage",
            DType.BF16,
            "LongStorage",
            DType.I64,
            "IntStorage",
            DType.I32,
            "ByteStorage",
            DType.U8,
            "BoolStorage",
            DType.BOOL);

    private TorchZipFile() {}

    static Map<String, TensorInfo> readTensors(Path file) {
        Map<String, ZipIndex.Entry> entries = ZipIndex.read(file);
        ZipIndex.Entry pkl = entries.values().stream()
                .filter(e -> e.name().endsWith("/data.pkl")
                        && e.name().indexOf('/') == e.name().length() - 9)
                .findFirst()
                .orElseThrow(() -> new WeightException(file + ": no data.pkl: not a torch.save zip archive"));
        String archive = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        Object root;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bytes = ZipIndex.readAt(ch, pkl.dataOffset(), Math.toIntExact(pkl.size()));
            root = new Unpickler(bytes, TorchZipFile::persistentLoad, TorchZipFile::reduce).load();
        } catch (IOException | BufferUnderflowException | ClassCastException e) {
            throw new WeightException(file + ": cannot read data.pkl: " + e, e);
        }
        if (!(root instanceof Map<?, ?> dict)) {
            throw new WeightException(file + ": data.pkl does not hold a state dict");
        }
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getValue() instanceof TensorRef t) {
                out.put((String) e.getKey(), locate(file, entries, archive, (String) e.getKey(), t));
            }
        }
        return out;
    }

    private static TensorInfo locate(
            Path file, Map<String, ZipIndex.Entry> entries, String archive, String name, TensorRef t) {
        ZipIndex.Entry data = entries.get(archive + "data/" + t.storage().key());
        if (data == null) {
            throw new WeightException(
                    file + ": tensor " + name + ": storage " + t.storage().key() + " is missing");
        }
        long expect = 1;
        for (int i = t.shape().length - 1; i >= 0; i--) {
            if (t.shape()[i] != 1 && t.stride()[i] != expect) {
                throw new WeightException(file + ": tensor " + name + " is not contiguous");
            }
            expect *= t.shape()[i];
        }
        int size = t.storage().dtype().bytes();
        long begin = t.offset() * size;
        long length = TensorInfo.numel(t.shape()) * size;
        if (begin + length > data.size()) {
            throw new WeightException(file + ": tensor " + name + " lies beyond its storage (truncated?)");
        }
        return new TensorInfo(name, t.storage().dtype(), t.shape(), file, data.dataOffset() + begin, length);
    }

    private static Object persistentLoad(List<Object> pid) {
        // ('storage', <class torch.FloatStorage>, key, location, numel)
        if (pid.size() < 3 || !"storage".equals(pid.get(0)) || !(pid.get(1) instanceof Unpickler.Global type)) {
            throw new WeightException("unsupported persistent id " + pid);
        }
        DType dtype = STORAGE_TYPES.get(type.name());
        if (dtype == null) {
            throw new WeightException("unsupported storage type " + type.qualified());
        }
        return new StorageRef(dtype, String.valueOf(pid.get(2)));
    }

    private static Object reduce(Unpickler.Global fn, List<Object> args) {
        switch (fn.qualified()) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                return new TensorRef(
                        (StorageRef) args.get(0), (Long) args.get(1), longs(args.get(2)), longs(args.get(3)));
            }
            case "torch._utils._rebuild_parameter" -> {
                return args.get(0);
            }
            case "collections.OrderedDict" -> {
                return new LinkedHashMap<>();
            }
            default -> {
                return fn; // something we do not need (e.g. metadata); kept opaque
            }
        }
    }

    private static long[] longs(Object tuple) {
        List<?> list = (List<?>) tuple;
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) list.get(i);
        }
        return out;
    }
}
