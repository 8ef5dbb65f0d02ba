package org.invllava.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors (single, sharded, F16/BF16) and torch.save readers against each other. */
class CheckpointTest {
    @TempDir
    Path dir;

    private NDManager manager;
    private final float[] a = random(3 * 4, 1);
    private final float[] b = random(5, 2);

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextGaussian();
        }
        return out;
    }

    private SafetensorsWriter twoTensors(DType type) {
        return new SafetensorsWriter()
                .addFloats("a", type, new long[] {3, 4}, a)
                .addFloats("b", type, new long[] {5}, b);
    }

    private float[] load(Checkpoint c, String name, long... shape) {
        TensorLoader loader = new TensorLoader(c, manager, DataType.FLOAT32);
        return loader.load(name, shape).toFloatArray();
    }

    @Test
    void singleFileF32RoundTrips() throws IOException {
        twoTensors(DType.F32).write(dir.resolve("model.safetensors"));
        Checkpoint c = Checkpoint.open(dir);
        assertArrayEquals(a, load(c, "a", 3, 4));
        assertArrayEquals(b, load(c, "b", 5));
    }

    @Test
    void shardedEqualsSingleFile() throws IOException {
        new SafetensorsWriter()
                .addFloats("a", DType.F32, new long[] {3, 4}, a)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
                .addFloats("b", DType.F32, new long[] {5}, b)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{"
                        + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        Checkpoint c = Checkpoint.open(dir);
        assertEquals(List.of("a", "b"), List.copyOf(c.names()));
        assertArrayEquals(a, load(c, "a", 3, 4));
        assertArrayEquals(b, load(c, "b", 5));
    }

    @Test
    void bf16AndF16LoadWithinTheirRounding() throws IOException {
        Path bf = dir.resolve("bf16.safetensors");
        Path hf = dir.resolve("f16.safetensors");
        twoTensors(DType.BF16).write(bf);
        twoTensors(DType.F16).write(hf);
        float[] fromBf16 = load(Checkpoint.openFile(bf), "a", 3, 4);
        float[] fromF16 = load(Checkpoint.openFile(hf), "a", 3, 4);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], fromBf16[i], Math.abs(a[i]) * 0x1.0p-8 + 1e-30, "bf16 " + i);
            assertEquals(a[i], fromF16[i], Math.abs(a[i]) * 0x1.0p-11 + 1e-7, "f16 " + i);
            assertEquals(Float.intBitsToFloat(SafetensorsWriter.toBf16(a[i]) << 16), fromBf16[i], 0f);
        }
    }

    @Test
    void bf16CanBeComputedInFloat16WithoutTouchingDjlBf16() throws IOException {
        Path bf = dir.resolve("bf16.safetensors");
        twoTensors(DType.BF16).write(bf);
        TensorLoader loader = new TensorLoader(Checkpoint.openFile(bf), manager, DataType.FLOAT16);
        NDArray h = loader.load("b", 5);
        assertEquals(DataType.FLOAT16, h.getDataType());
        float[] back = h.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i], back[i], Math.abs(b[i]) * 0x1.0p-7);
        }
    }

    @Test
    void torchSaveZipEqualsSafetensorsTwin() throws IOException {
        twoTensors(DType.F32).write(dir.resolve("model.safetensors"));
        float[] shared = random(20, 3);
        new TorchSaveWriter()
                .add("a", DType.F32, new long[] {3, 4}, SafetensorsWriter.encode(a, DType.F32))
                .add("b", DType.F32, new long[] {5}, SafetensorsWriter.encode(b, DType.F32))
                .add("whole", DType.F16, new long[] {4, 5}, SafetensorsWriter.encode(shared, DType.F16))
                .addView("tail", new long[] {2, 5}, 10)
                .write(dir.resolve("pytorch_model.bin"));
        Checkpoint bin = Checkpoint.openFile(dir.resolve("pytorch_model.bin"));
        Checkpoint st = Checkpoint.openFile(dir.resolve("model.safetensors"));
        assertArrayEquals(load(st, "a", 3, 4), load(bin, "a", 3, 4));
        assertArrayEquals(load(st, "b", 5), load(bin, "b", 5));
        float[] whole = load(bin, "whole", 4, 5);
        float[] tail = load(bin, "tail", 2, 5);
        for (int i = 0; i < 10; i++) {
            assertEquals(whole[10 + i], tail[i], 0f);
        }
    }

    @Test
    void shardedTorchSaveWithIndex() throws IOException {
        new TorchSaveWriter()
                .add("a", DType.F32, new long[] {3, 4}, SafetensorsWriter.encode(a, DType.F32))
                .write(dir.resolve("pytorch_model-00001-of-00002.bin"));
        new TorchSaveWriter()
                .add("b", DType.BF16, new long[] {5}, SafetensorsWriter.encode(b, DType.BF16))
                .write(dir.resolve("pytorch_model-00002-of-00002.bin"));
        Files.writeString(
                dir.resolve("pytorch_model.bin.index.json"),
                "{\"weight_map\":{"
                        + "\"a\":\"pytorch_model-00001-of-00002.bin\",\"b\":\"pytorch_model-00002-of-00002.bin\"}}");
        Checkpoint c = Checkpoint.open(dir);
        assertArrayEquals(a, load(c, "a", 3, 4));
        assertEquals(DType.BF16, c.require("b").dtype());
    }

    @Test
    void errorsNameTheFileAndTensor() throws IOException {
        Path f = dir.resolve("model.safetensors");
        twoTensors(DType.F32).write(f);
        Checkpoint c = Checkpoint.open(dir);
        TensorLoader loader = new TensorLoader(c, manager, DataType.FLOAT32);
        WeightException missing = assertThrows(WeightException.class, () -> loader.load("c", 1));
        assertTrue(
                missing.getMessage().contains("missing tensor c")
                        && missing.getMessage().contains("model.safetensors"),
                missing.getMessage());
        WeightException shape = assertThrows(WeightException.class, () -> loader.load("a", 4, 3));
        assertTrue(shape.getMessage().contains("tensor a has shape [3, 4], expected [4, 3]"), shape.getMessage());
        loader.load("a", 3, 4);
        WeightException unexpected = assertThrows(WeightException.class, () -> loader.checkAllUsed(n -> false));
        assertTrue(unexpected.getMessage().contains("unexpected tensor(s), e.g. b"), unexpected.getMessage());
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Path st = dir.resolve("model.safetensors");
        twoTensors(DType.F32).write(st);
        truncate(st, 20);
        WeightException e = assertThrows(WeightException.class, () -> Checkpoint.openFile(st));
        assertTrue(e.getMessage().contains("tensor b") && e.getMessage().contains("truncated"), e.getMessage());

        Path bin = dir.resolve("pytorch_model.bin");
        new TorchSaveWriter()
                .add("a", DType.F32, new long[] {3, 4}, SafetensorsWriter.encode(a, DType.F32))
                .write(bin);
        truncate(bin, 30);
        WeightException z = assertThrows(WeightException.class, () -> Checkpoint.openFile(bin));
        assertTrue(z.getMessage().contains("pytorch_model.bin"), z.getMessage());

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThrows(WeightException.class, () -> Checkpoint.openFile(tiny));
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(
                garbage,
                ByteBuffer.allocate(16)
                        .putLong(Long.reverseBytes(4))
                        .put("{{{{".getBytes())
                        .array());
        assertThrows(WeightException.class, () -> Checkpoint.openFile(garbage));
    }

    @Test
    void missingShardOrDirectoryIsAClearError() throws IOException {
        Files.writeString(
                dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"model-1.safetensors\"}}");
        WeightException e = assertThrows(WeightException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("shard model-1.safetensors is missing"), e.getMessage());
        assertThrows(WeightException.class, () -> Checkpoint.open(dir.resolve("nope")));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThrows(WeightException.class, () -> Checkpoint.open(empty));
    }

    private static void truncate(Path f, int bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - bytes);
        }
    }
}
