package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.invllava.runtime.Golden;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorInfo;
import org.invllava.runtime.weights.TorchSaveWriter;
import org.invllava.runtime.weights.WeightException;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The golden model re-saved in the other layouts and dtypes, and damaged, through the full loader. */
class ModelLoadingTest {
    private static final LoadOptions FP32 = new LoadOptions(DataType.FLOAT32, Device.cpu());

    @TempDir
    Path tmp;

    static GenerationResult greedy(ModelPaths paths, LoadOptions options, int tokens) throws IOException {
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, options)) {
            byte[] png = Files.readAllBytes(Golden.tinyModel().resolve("image.png"));
            List<PatchFeatures> f = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png)));
            int[] ids = model.chat().question("What is in the image?", true);
            return new Generator(model).generate(ids, f, SamplingParams.greedy(tokens), (i, t, d) -> {});
        }
    }

    private int[] goldenIds() {
        return Golden.ints(Golden.expected().get("cases").get("image.png").get("greedy_token_ids"));
    }

    /** Rewrites the language checkpoint tensor by tensor through {@code sink}, then removes the original. */
    private static void rewriteLanguage(ModelPaths paths, BiConsumer<TensorInfo, ByteBuffer> sink) throws IOException {
        Path original = paths.language().resolve("model.safetensors");
        Map<String, TensorInfo> tensors = Checkpoint.openFile(original).tensors();
        try (FileChannel ch = FileChannel.open(original, StandardOpenOption.READ)) {
            for (TensorInfo t : tensors.values()) {
                sink.accept(t, ch.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.byteLength()));
            }
        }
        Files.delete(original);
    }

    @Test
    void shardedSafetensorsGiveIdenticalIds() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        SafetensorsWriter[] shards = {new SafetensorsWriter(), new SafetensorsWriter()};
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        int[] n = {0};
        rewriteLanguage(paths, (t, data) -> {
            int shard = t.name().startsWith("model.layers.1.") || t.name().startsWith("lm_head") ? 1 : 0;
            shards[shard].add(t.name(), t.dtype(), t.shape(), data);
            index.append(n[0]++ == 0 ? "" : ",")
                    .append('"')
                    .append(t.name())
                    .append("\":\"model-0000")
                    .append(shard + 1)
                    .append("-of-00002.safetensors\"");
        });
        shards[0].write(paths.language().resolve("model-00001-of-00002.safetensors"));
        shards[1].write(paths.language().resolve("model-00002-of-00002.safetensors"));
        Files.writeString(paths.language().resolve("model.safetensors.index.json"), index + "}}");
        assertArrayEquals(goldenIds(), greedy(paths, FP32, 24).tokenIds());
    }

    @Test
    void torchSaveCheckpointGivesIdenticalIds() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        TorchSaveWriter bin = new TorchSaveWriter();
        rewriteLanguage(paths, (t, data) -> bin.add(t.name(), t.dtype(), t.shape(), data));
        bin.write(paths.language().resolve("pytorch_model.bin"));
        assertArrayEquals(goldenIds(), greedy(paths, FP32, 24).tokenIds());
    }

    @Test
    void bf16CheckpointStaysCloseToFloat32() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        SafetensorsWriter bf16 = new SafetensorsWriter();
        rewriteLanguage(paths, (t, data) -> {
            float[] values = new float[(int) t.numel()];
            data.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            bf16.addFloats(t.name(), DType.BF16, t.shape(), values);
        });
        bf16.write(paths.language().resolve("model.safetensors"));
        GenerationResult r = greedy(paths, FP32, 1);
        var expected = Golden.expected().get("cases").get("image.png").get("first_step_top8_logits");
        // bf16 keeps 8 significant bits: logits of ~9 move by a few hundredths, not more
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    expected.get(i).asDouble(), r.firstStepTopLogits().get(i).logit(), 0.15);
        }
    }

    @Test
    void float16ComputeKeepsTheLeadingToken() throws IOException {
        GenerationResult r = greedy(Golden.paths(), new LoadOptions(DataType.FLOAT16, Device.cpu()), 2);
        var c = Golden.expected().get("cases").get("image.png");
        assertEquals(c.get("greedy_token_ids").get(0).asInt(), r.tokenIds()[0]);
        assertEquals(
                c.get("first_step_top8_logits").get(0).asDouble(),
                r.firstStepTopLogits().get(0).logit(),
                0.05);
    }

    @Test
    void missingLanguageTensorIsNamed() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        SafetensorsWriter w = new SafetensorsWriter();
        rewriteLanguage(paths, (t, data) -> {
            if (!t.name().equals("model.layers.1.mlp.up_proj.weight")) {
                w.add(t.name(), t.dtype(), t.shape(), data);
            }
        });
        w.write(paths.language().resolve("model.safetensors"));
        WeightException e = assertThrows(WeightException.class, () -> InverseLlavaModel.load(paths, FP32));
        assertTrue(
                e.getMessage().contains("missing tensor model.layers.1.mlp.up_proj.weight")
                        && e.getMessage().contains("model.safetensors"),
                e.getMessage());
    }

    @Test
    void misshapedAndUnexpectedTensorsAreNamed() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        SafetensorsWriter w = new SafetensorsWriter();
        rewriteLanguage(paths, (t, data) -> w.add(t.name(), t.dtype(), t.shape(), data));
        w.addFloats("model.layers.9.extra.weight", DType.F32, new long[] {2}, new float[2]);
        w.write(paths.language().resolve("model.safetensors"));
        WeightException extra = assertThrows(WeightException.class, () -> InverseLlavaModel.load(paths, FP32));
        assertTrue(
                extra.getMessage().contains("unexpected tensor(s), e.g. model.layers.9.extra.weight"),
                extra.getMessage());

        SafetensorsWriter bad = new SafetensorsWriter();
        rewriteLanguage(
                paths,
                (t, data) -> bad.add(
                        t.name(),
                        t.dtype(),
                        t.name().equals("model.norm.weight") ? new long[] {8, 8} : t.shape(),
                        data));
        bad.write(paths.language().resolve("model.safetensors"));
        WeightException shape = assertThrows(WeightException.class, () -> InverseLlavaModel.load(paths, FP32));
        assertTrue(
                shape.getMessage().contains("tensor model.norm.weight has shape [8, 8], expected [64]"),
                shape.getMessage());
    }

    @Test
    void truncatedVisionCheckpointIsRefused() throws IOException {
        ModelPaths paths = GoldenCopies.copy(tmp);
        Path f = paths.vision().resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        WeightException e = assertThrows(WeightException.class, () -> InverseLlavaModel.load(paths, FP32));
        assertTrue(
                e.getMessage().contains("vision/model.safetensors")
                        && e.getMessage().contains("truncated"),
                e.getMessage());
    }
}
