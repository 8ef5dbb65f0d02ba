package org.invllava.fusion.svc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;
import org.invllava.host.config.DpaDirectory;
import org.invllava.host.config.KafkaConnection;
import org.invllava.host.config.ModelDirectory;
import org.invllava.host.config.ModelSettings;
import org.invllava.host.config.TopicSettings;

/**
 * Everything the fusion LLM is configured with, each setting once with its default; an environment variable sets
 * the property of its name ({@code FUSION_MAX_BATCH} is {@code fusion.max-batch}), as do
 * {@code application.properties}, {@code -D} and profiles (docs/operations.md lists them). The model: Inverse-LLaVA's
 * {@code LANGUAGE_MODEL_DIR} and {@code FUSION_CHECKPOINT_DIR}, or LLaVA-1.5's {@code LLAVA_MODEL_DIR} (with
 * {@code VISION_MODEL_DIR} as its CLIP directory for the original release).
 */
@ConfigMapping(prefix = "")
public interface FusionLlmSettings {
    KafkaConnection kafka();

    Model model();

    ModelDirectory llava();

    /** {@code DPA_MODEL_DIR}, {@code DPA_REFS_DIR}: a DPA checkpoint instead of the other families' directories. */
    DpaDirectory dpa();

    ModelDirectory vision();

    ModelDirectory language();

    Fusion fusion();

    TopicSettings topics();

    /** {@code MODEL_WEIGHTS}: how the language model's matrices are stored (float32, or a packed format: docs/models.md). */
    interface Model extends ModelSettings {
        @WithDefault("float32")
        String weights();
    }

    /**
     * {@code FUSION_*}: the checkpoint, the join (its Streams application, window and state), the work consumer group,
     * the batching engine (sequences and tokens per step, the KV pool), the queue behind it, and how long an answer
     * nobody listens to goes on.
     */
    interface Fusion {
        Optional<String> checkpointDir();

        /** Default: the served model's own join application. */
        Optional<String> applicationId();

        @WithDefault("120000")
        int joinWindowMs();

        /** Default: the served model's own work group. */
        Optional<String> groupId();

        @WithDefault("8")
        int maxBatch();

        @WithDefault("256")
        int maxTokensPerStep();

        @WithDefault("16")
        int kvBlockSize();

        @WithDefault("16384")
        int kvCacheTokens();

        @WithDefault("8")
        int maxQueued();

        @WithDefault("/tmp/kafka-streams")
        String stateDir();

        @WithDefault("10000")
        int orphanGraceMs();
    }
}
