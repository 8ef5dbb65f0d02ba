package org.invllava.runtime.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ReleaseBundle;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.wire.Half;

/**
 * Writes a complete Inverse-LLaVA with random weights in the real on-disk layouts: a CLIP directory, a
 * LLaMA directory with a project-made tokenizer, and a release bundle with checksums and COMPLETE.
 * Its answers are meaningless; it exists to run the stack and to benchmark real shapes.
 */
public final class DemoModelFactory {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final float STD = 0.02f;

    private final ModelShape s;
    private final DType dtype;
    private final long seed;

    public DemoModelFactory(ModelShape shape, DType dtype, long seed) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("weights must be F32, F16 or BF16");
        }
        this.s = shape;
        this.dtype = dtype;
        this.seed = seed;
    }

    /**
     * The demo shape with random weights (float32, seed 7) under {@code root}: answers that run to the token limit,
     * for benchmarks, the chaos drill and tests that compare answers of a given length.
     */
    public static ModelPaths writeRandomDemo(Path root) throws IOException {
        return new DemoModelFactory(ModelShape.tiny(), DType.F32, 7).write(root);
    }

    public ModelPaths write(Path root) throws IOException {
        ModelPaths paths =
                new ModelPaths(root.resolve("vision"), root.resolve("language"), root.resolve("inverse-llava"));
        writeVision(paths.vision());
        writeLanguage(paths.language());
        writeBundle(paths.fusion(), paths.language());
        return paths;
    }

    void writeVision(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode vision = JSON.createObjectNode()
                .put("model_type", "clip_vision_model")
                .put("hidden_size", s.clipHidden())
                .put("intermediate_size", s.clipFfn())
                .put("num_hidden_layers", s.clipLayers())
                .put("num_attention_heads", s.clipHeads())
                .put("patch_size", s.patchSize())
                .put("image_size", s.imageSize())
                .put("hidden_act", "quick_gelu")
                .put("layer_norm_eps", 1e-5)
                .put("num_channels", 3);
        ObjectNode config = JSON.createObjectNode().put("model_type", "clip");
        config.putArray("architectures").add("CLIPModel");
        config.set("vision_config", vision);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        ObjectNode pre = JSON.createObjectNode()
                .put("do_resize", true)
                .put("do_center_crop", true)
                .put("resample", 3);
        pre.putObject("size").put("shortest_edge", s.imageSize());
        pre.putObject("crop_size").put("height", s.imageSize()).put("width", s.imageSize());
        var mean = pre.putArray("image_mean");
        var std = pre.putArray("image_std");
        for (int c = 0; c < 3; c++) {
            mean.add(ImagePreprocessor.CLIP_MEAN[c]);
            std.add(ImagePreprocessor.CLIP_STD[c]);
        }
        JSON.writeValue(dir.resolve("preprocessor_config.json").toFile(), pre);

        SafetensorsWriter w = new SafetensorsWriter();
        long d = s.clipHidden();
        String e = "vision_model.embeddings.";
        random(w, e + "class_embedding", d);
        random(w, e + "patch_embedding.weight", d, 3, s.patchSize(), s.patchSize());
        random(w, e + "position_embedding.weight", s.patches() + 1, d);
        layerNorm(w, "vision_model.pre_layrnorm", d);
        for (int i = 0; i < s.clipLayers(); i++) {
            String p = "vision_model.encoder.layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                random(w, p + "self_attn." + proj + ".weight", d, d);
                random(w, p + "self_attn." + proj + ".bias", d);
            }
            layerNorm(w, p + "layer_norm1", d);
            layerNorm(w, p + "layer_norm2", d);
            random(w, p + "mlp.fc1.weight", s.clipFfn(), d);
            random(w, p + "mlp.fc1.bias", s.clipFfn());
            random(w, p + "mlp.fc2.weight", d, s.clipFfn());
            random(w, p + "mlp.fc2.bias", d);
        }
        layerNorm(w, "vision_model.post_layernorm", d);
        w.write(dir.resolve("model.safetensors"));
    }

    void writeLanguage(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = JSON.createObjectNode()
                .put("model_type", "llama")
                .put("hidden_size", s.hidden())
                .put("intermediate_size", s.ffn())
                .put("num_hidden_layers", s.layers())
                .put("num_attention_heads", s.heads())
                .put("num_key_value_heads", s.kvHeads())
                .put("hidden_act", "silu")
                .put("rms_norm_eps", 1e-5)
                .put("max_position_embeddings", s.maxPositions())
                .put("vocab_size", s.vocab())
                .put("bos_token_id", 1)
                .put("eos_token_id", 2)
                .put("tie_word_embeddings", false)
                .put("torch_dtype", dtype == DType.F32 ? "float32" : dtype == DType.F16 ? "float16" : "bfloat16");
        config.putArray("architectures").add("LlamaForCausalLM");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        Files.write(
                dir.resolve("tokenizer.model"), DemoTokenizer.build(s.vocab()).toBytes());
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"tokenizer_class\": \"LlamaTokenizer\", "
                        + "\"add_bos_token\": true, \"add_eos_token\": false, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\", "
                        + "\"unk_token\": \"<unk>\", \"legacy\": false}\n");

        SafetensorsWriter w = new SafetensorsWriter();
        long d = s.hidden();
        random(w, "model.embed_tokens.weight", s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            random(w, p + "self_attn.q_proj.weight", d, d);
            random(w, p + "self_attn.k_proj.weight", s.kvDim(), d);
            random(w, p + "self_attn.v_proj.weight", s.kvDim(), d);
            random(w, p + "self_attn.o_proj.weight", d, d);
            random(w, p + "mlp.gate_proj.weight", s.ffn(), d);
            random(w, p + "mlp.up_proj.weight", s.ffn(), d);
            random(w, p + "mlp.down_proj.weight", d, s.ffn());
            ones(w, p + "input_layernorm.weight", d);
            ones(w, p + "post_attention_layernorm.weight", d);
        }
        ones(w, "model.norm.weight", d);
        random(w, "lm_head.weight", s.vocab(), d);
        w.write(dir.resolve("model.safetensors"));
    }

    /** The delta for the LLaMA in {@code languageDir}: every tensor {@link DeltaLayout} lists for this bundle's config. */
    private void writeBundle(Path dir, Path languageDir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode cfg = JSON.createObjectNode()
                .put("format", "invllava-hub-release-v1")
                .put("weights", "model_delta.safetensors")
                .put("conversation_template", "vicuna_v1");
        ObjectNode model = cfg.putObject("model")
                .put("id", "demo-random-" + seed)
                .put("architecture", "inverse_llava")
                .put("torch_dtype", "float32");
        ObjectNode vision = model.putObject("vision")
                .put("feature_select", "patch")
                .put("feature_dim", s.clipHidden())
                .put("image_size", s.imageSize())
                .put("aspect_ratio", "pad");
        vision.putArray("feature_layers").add(-1);
        ObjectNode fusion = model.putObject("fusion").put("operator", "concat").put("visual_norm_eps", 1e-6);
        fusion.putArray("layers").add(0);
        fusion.putArray("targets").add("q").add("k").add("v");
        model.putObject("adaptation")
                .put("method", "lora")
                .put("rank", s.loraRank())
                .put("alpha", 2 * s.loraRank());
        JSON.writeValue(dir.resolve(ReleaseBundle.CONFIG).toFile(), cfg);
        SafetensorsWriter w = new SafetensorsWriter();
        InverseLlavaConfig.Model spec =
                InverseLlavaConfig.load(dir.resolve(ReleaseBundle.CONFIG)).model();
        for (DeltaLayout.Tensor t :
                DeltaLayout.of(LlamaConfig.load(languageDir.resolve("config.json")), spec, s.clipHidden())) {
            switch (t.kind()) {
                case VISUAL_NORM -> ones(w, t.name(), t.shape()[0]);
                case SCALE -> w.addFloats(t.name(), dtype, t.shape(), new float[] {1.0f});
                default -> random(w, t.name(), t.shape());
            }
        }
        w.write(dir.resolve("model_delta.safetensors"));
        ReleaseBundle.seal(dir, List.of(ReleaseBundle.CONFIG, "model_delta.safetensors"));
    }

    private void layerNorm(SafetensorsWriter w, String name, long d) {
        ones(w, name + ".weight", d);
        random(w, name + ".bias", d);
    }

    private void ones(SafetensorsWriter w, String name, long d) {
        float[] v = new float[(int) d];
        java.util.Arrays.fill(v, 1f);
        w.addFloats(name, dtype, new long[] {d}, v);
    }

    /** Uniform in [−√3·σ, √3·σ] (standard deviation σ), seeded per tensor name. */
    void random(SafetensorsWriter w, String name, long... shape) {
        long n = 1;
        for (long x : shape) {
            n *= x;
        }
        int count = Math.toIntExact(n);
        long tensorSeed = seed * 31 + name.hashCode();
        w.addLazy(name, dtype, shape, () -> {
            SplittableRandom r = new SplittableRandom(tensorSeed);
            ByteBuffer b = ByteBuffer.allocate(count * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            float scale = (float) (STD * Math.sqrt(3) * 2);
            for (int i = 0; i < count; i++) {
                float v = (float) (r.nextDouble() - 0.5) * scale;
                switch (dtype) {
                    case F32 -> b.putFloat(v);
                    case F16 -> b.putShort(Half.fromFloat(v));
                    default -> b.putShort(SafetensorsWriter.toBf16(v));
                }
            }
            return b.flip();
        });
    }
}
