package org.invllava.runtime.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;

/**
 * A random-weight LLaVA-1.5 checkpoint as llava-hf ships one ({@code LlavaForConditionalGeneration}, transformers
 * < 4.52 names, one safetensors file; no padded vocabulary or {@code <image>} token, which the runtime does not
 * read), with the demo Inverse-LLaVA's tower and LLaMA shapes and an {@code mlp2x_gelu} projector: for the demo stack serving both models and for tests on a fresh clone. Its
 * answers are noise, like the demo Inverse-LLaVA's.
 */
public final class DemoLlavaFactory {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ModelShape s;
    private final DType dtype;
    private final long seed;

    public DemoLlavaFactory(ModelShape shape, DType dtype, long seed) {
        this.s = shape;
        this.dtype = dtype;
        this.seed = seed;
    }

    /** Writes the checkpoint into {@code dir} (created) and returns it. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path parts = Files.createTempDirectory(dir, ".parts");
        try {
            DemoModelFactory demo = new DemoModelFactory(s, dtype, seed);
            demo.writeVision(parts.resolve("vision"));
            demo.writeLanguage(parts.resolve("language"));
            SafetensorsWriter w = new SafetensorsWriter();
            Checkpoint.open(parts.resolve("vision")).tensors().forEach((name, t) -> w.addCopy("vision_tower." + name, t));
            Checkpoint.open(parts.resolve("language")).tensors().forEach((name, t) -> w.addCopy("language_model." + name, t));
            demo.random(w, "multi_modal_projector.linear_1.weight", s.hidden(), s.clipHidden());
            demo.random(w, "multi_modal_projector.linear_1.bias", s.hidden());
            demo.random(w, "multi_modal_projector.linear_2.weight", s.hidden(), s.hidden());
            demo.random(w, "multi_modal_projector.linear_2.bias", s.hidden());
            w.write(dir.resolve("model.safetensors"));
            writeConfig(parts, dir);
            Files.copy(parts.resolve("vision/preprocessor_config.json"), dir.resolve("preprocessor_config.json"));
            Files.copy(parts.resolve("language/tokenizer.model"), dir.resolve("tokenizer.model"));
        } finally {
            try (Stream<Path> files = Files.walk(parts)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        return dir;
    }

    private void writeConfig(Path parts, Path dir) throws IOException {
        ObjectNode config = JSON.createObjectNode().put("model_type", "llava").put("projector_hidden_act", "gelu").put("vision_feature_layer", -2)
                .put("vision_feature_select_strategy", "default").put("tie_word_embeddings", false);
        config.putArray("architectures").add(LlavaConfig.HF_ARCHITECTURE);
        config.set("text_config", JSON.readTree(parts.resolve("language/config.json").toFile()));
        config.set("vision_config", JSON.readTree(parts.resolve("vision/config.json").toFile()).get("vision_config"));
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
    }
}
