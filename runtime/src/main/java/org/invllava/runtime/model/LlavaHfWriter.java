package org.invllava.runtime.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.SafetensorsWriter;

/**
 * Writes a LLaVA-1.5 checkpoint as llava-hf ships one ({@code LlavaForConditionalGeneration}, transformers < 4.52
 * names, one safetensors file; no padded vocabulary or {@code <image>} token, which the runtime does not read) from a
 * CLIP directory, a LLaMA directory (config and tokenizer) and the LLaMA and projector tensors.
 */
public final class LlavaHfWriter {
    public static final String PROJECTOR = "multi_modal_projector.";
    public static final String LANGUAGE = "language_model.";
    /** The CLIP hidden state LLaVA-1.5's projector reads: the penultimate layer's output. */
    public static final int LLAVA_FEATURE_LAYER = -2;

    private static final String VISION = "vision_tower.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LlavaHfWriter() {}

    /**
     * Writes {@code dir} (created): {@code tensors} (the {@value #LANGUAGE}* and {@value #PROJECTOR}* tensors) with
     * the tower of {@code vision} added as {@value #VISION}*, {@code config.json} from both configs, the tower's
     * preprocessing and the LLaMA's tokenizer files; the projector reads the tower's hidden state {@code featureLayer}
     * ({@value #LLAVA_FEATURE_LAYER} for LLaVA-1.5, −1 for the last layer).
     */
    public static Path write(Path dir, Path vision, Path language, SafetensorsWriter tensors, int featureLayer)
            throws IOException {
        if (featureLayer >= 0) {
            throw new IllegalArgumentException(
                    "the feature layer counts from the end (-1, -2, ...), got " + featureLayer);
        }
        Files.createDirectories(dir);
        Checkpoint.open(vision).tensors().forEach((name, t) -> tensors.addCopy(VISION + name, t));
        tensors.write(dir.resolve("model.safetensors"));
        ObjectNode config = JSON.createObjectNode()
                .put("model_type", "llava")
                .put("projector_hidden_act", "gelu")
                .put("vision_feature_layer", featureLayer)
                .put("vision_feature_select_strategy", "default")
                .put("tie_word_embeddings", false);
        config.putArray("architectures").add(LlavaConfig.HF_ARCHITECTURE);
        config.set("text_config", JSON.readTree(language.resolve("config.json").toFile()));
        config.set(
                "vision_config",
                JSON.readTree(vision.resolve("config.json").toFile()).get("vision_config"));
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        Files.copy(
                vision.resolve("preprocessor_config.json"),
                dir.resolve("preprocessor_config.json"),
                StandardCopyOption.REPLACE_EXISTING);
        for (String file : List.of("tokenizer.model", "tokenizer_config.json")) {
            if (Files.exists(language.resolve(file))) {
                Files.copy(language.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
