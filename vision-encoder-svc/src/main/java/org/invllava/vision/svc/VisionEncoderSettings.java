package org.invllava.vision.svc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;
import org.invllava.host.config.DpaDirectory;
import org.invllava.host.config.KafkaConnection;
import org.invllava.host.config.ModelDirectory;
import org.invllava.host.config.ModelSettings;
import org.invllava.host.config.TopicSettings;

/**
 * Everything the vision encoder is configured with, each setting once with its default; an environment variable
 * sets the property of its name ({@code VISION_MAX_BATCH} is {@code vision.max-batch}), as do
 * {@code application.properties}, {@code -D} and profiles (docs/operations.md lists them).
 */
@ConfigMapping(prefix = "")
public interface VisionEncoderSettings {
    KafkaConnection kafka();

    ModelSettings model();

    /** {@code LLAVA_MODEL_DIR}: a LLaVA-1.5 checkpoint (then {@code VISION_MODEL_DIR} is its CLIP for the original release). */
    ModelDirectory llava();

    /** {@code DPA_MODEL_DIR}, {@code DPA_REFS_DIR}: a DPA checkpoint instead of the other families' directories. */
    DpaDirectory dpa();

    Vision vision();

    /** {@code FUSION_CHECKPOINT_DIR}: Inverse-LLaVA's fusion checkpoint (which CLIP layers its features read). */
    Fusion fusion();

    TopicSettings topics();

    /** {@code VISION_*}: the CLIP directory, the consumer group, batching, input limits, the features' encoding. */
    interface Vision extends ModelDirectory {
        /** Default: the served model's own group. */
        Optional<String> groupId();

        @WithDefault("8")
        int maxBatch();

        @WithDefault("0")
        int maxWaitMs();

        @WithDefault("10485760")
        int maxImageBytes();

        @WithDefault("40000000")
        long maxPixels();

        /** {@code F32} (exact) or {@code F16}. */
        @WithDefault("F32")
        String featureDtype();

        @WithDefault("64")
        int cacheEntries();
    }

    interface Fusion {
        Optional<String> checkpointDir();
    }
}
