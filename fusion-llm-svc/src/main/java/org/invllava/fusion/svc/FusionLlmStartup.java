package org.invllava.fusion.svc;

import org.invllava.host.Env;
import org.invllava.host.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.schemas.ModelTopics;

/**
 * How a fusion LLM starts, for its Quarkus app ({@link FusionLlmApp}) and the tests: its settings from environment
 * variables ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code LANGUAGE_MODEL_DIR} and {@code FUSION_CHECKPOINT_DIR}, or
 * {@code LLAVA_MODEL_DIR} for LLaVA-1.5 with {@code VISION_MODEL_DIR} as its CLIP directory for the original release;
 * optionally {@code MODEL_ID} (the served model whose topics it reads), {@code MODEL_DTYPE}, {@code MODEL_DEVICE}, {@code MODEL_WEIGHTS},
 * {@code FUSION_APPLICATION_ID}, {@code FUSION_GROUP_ID}, {@code FUSION_JOIN_WINDOW_MS}, {@code FUSION_MAX_BATCH},
 * {@code FUSION_MAX_TOKENS_PER_STEP}, {@code FUSION_KV_BLOCK_SIZE}, {@code FUSION_KV_CACHE_TOKENS},
 * {@code FUSION_MAX_QUEUED}, {@code FUSION_STATE_DIR}, {@code TOPICS_REPLICATION}), then the model's language side and
 * the service. Quarkus serves health and metrics on {@code PROBE_HOST:PROBE_PORT} (its application.properties).
 */
public final class FusionLlmStartup {
    private FusionLlmStartup() {}

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(FusionLlmConfig config, LoadOptions load, ModelSource model, short replication) {}

    public static Settings settings(Env env) {
        ModelSource model = ModelSource.forLanguage(
                env.optionalPath("LLAVA_MODEL_DIR"),
                env.optionalPath("VISION_MODEL_DIR"),
                env.optionalPath("LANGUAGE_MODEL_DIR"),
                env.optionalPath("FUSION_CHECKPOINT_DIR"),
                ModelSource.ENV);
        FusionLlmConfig defaults = FusionLlmConfig.defaults(
                env.kafka("fusion-llm"), "/tmp/kafka-streams", ModelTopics.of(env.string("MODEL_ID", model.id())));
        FusionLlmConfig config = new FusionLlmConfig(
                defaults.kafka(),
                env.string("FUSION_APPLICATION_ID", defaults.applicationId()),
                env.millis("FUSION_JOIN_WINDOW_MS", defaults.joinWindow()),
                env.string("FUSION_GROUP_ID", defaults.workGroupId()),
                engine(env, defaults.engine()),
                env.integer("FUSION_MAX_QUEUED", defaults.maxQueued()),
                env.string("FUSION_STATE_DIR", defaults.stateDir()),
                defaults.topics(),
                env.millis("FUSION_ORPHAN_GRACE_MS", defaults.orphanGrace()));
        LoadOptions load = new LoadOptions(
                LoadOptions.parseDtype(env.string("MODEL_DTYPE", "float32")),
                LoadOptions.parseDevice(env.string("MODEL_DEVICE", "auto")),
                WeightFormat.parse(env.string("MODEL_WEIGHTS", "float32")));
        return new Settings(config, load, model, (short) env.integer("TOPICS_REPLICATION", -1));
    }

    private static EngineConfig engine(Env env, EngineConfig defaults) {
        return new EngineConfig(
                env.integer("FUSION_MAX_BATCH", defaults.maxBatch()),
                env.integer("FUSION_MAX_TOKENS_PER_STEP", defaults.maxTokensPerStep()),
                env.integer("FUSION_KV_BLOCK_SIZE", defaults.kvBlockSize()),
                env.integer("FUSION_KV_CACHE_TOKENS", defaults.kvCacheTokens()));
    }

    /**
     * Creates missing topics, loads the language side (no CLIP: features arrive on {@code vlm.work}) and starts the
     * join and the scheduler; close to stop (the model too).
     */
    public static RunningService start(Settings s, Metrics metrics, Tracing tracing) throws InterruptedException {
        FusionLlmConfig config = s.config();
        TopicSetup.ensureDefaults(
                config.kafka(),
                s.replication(),
                java.util.List.of(config.topics().model()));
        MultimodalModel model = s.model().loadLanguage(s.load());
        try {
            FusionLlmService service = new FusionLlmService(config, model, metrics, tracing);
            service.start();
            return RunningService.of(service::isRunning, service::isLive, () -> {
                service.close();
                model.close();
            });
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
