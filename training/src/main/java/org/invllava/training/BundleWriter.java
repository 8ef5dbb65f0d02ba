package org.invllava.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.ReleaseBundle;
import org.invllava.runtime.weights.SafetensorsWriter;

/**
 * Writes trained delta parameters as a release bundle that {@code generate}, {@code eval} and {@code serve} load
 * unchanged: the starting bundle's config (with the initialisation used), {@code model_delta.safetensors},
 * {@code metadata.json} (how it was trained), {@code checksums.sha256} and {@code COMPLETE}.
 */
final class BundleWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String WEIGHTS = "model_delta.safetensors";

    private final ObjectNode config;
    private final String trainable;

    /** For a delta of {@code layout}'s tensors, initialised by {@code init}, in the bundle config {@code template}. */
    BundleWriter(ObjectNode template, DeltaInit init, List<DeltaLayout.Tensor> layout) {
        this.config = template.deepCopy();
        this.trainable = trainable(layout);
        ObjectNode model = (ObjectNode) config.get("model");
        model.put("id", "inverse-llava-demo-trained");
        ObjectNode fusion = (ObjectNode) model.get("fusion");
        fusion.put("initial_scale", init.initialScale()).put("output_init_std", init.outputInitStd());
        if (init.mapperInitStd() == null) {
            fusion.putNull("mapper_init_std");
        } else {
            fusion.put("mapper_init_std", init.mapperInitStd());
        }
        config.put("weights", WEIGHTS).put("metadata", "metadata.json");
    }

    void write(Path dir, Parameters params, Map<String, Object> training) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("COMPLETE")); // a reader never sees a half-written bundle as complete
        SafetensorsWriter w = new SafetensorsWriter();
        params.writeTo(w);
        w.write(dir.resolve(WEIGHTS));
        JSON.writeValue(dir.resolve(ReleaseBundle.CONFIG).toFile(), config);
        JSON.writeValue(
                dir.resolve("metadata.json").toFile(),
                Map.of(
                        "trained_by",
                        "bin/inverse-llava train",
                        "trainable",
                        trainable + " (vision tower and language model frozen)",
                        "training",
                        training));
        ReleaseBundle.seal(dir, List.of(ReleaseBundle.CONFIG, WEIGHTS, "metadata.json"));
    }

    /** "fusion + LoRA", or "fusion" when every layer has the fusion (LoRA adapts only the other layers). */
    static String trainable(List<DeltaLayout.Tensor> layout) {
        return layout.stream().anyMatch(t -> t.kind() == DeltaLayout.Kind.LORA_A) ? "fusion + LoRA" : "fusion";
    }
}
