package org.invllava.fusion.svc;

import org.invllava.kafka.Env;
import org.invllava.kafka.Lifecycle;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.ProbeServer;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.schemas.ModelTopics;

/**
 * The fusion LLM as its own process. Environment: {@code KAFKA_BOOTSTRAP_SERVERS}, {@code VISION_MODEL_DIR},
 * {@code LANGUAGE_MODEL_DIR}, {@code FUSION_CHECKPOINT_DIR}, or {@code LLAVA_MODEL_DIR} (LLaVA-1.5; with
 * {@code VISION_MODEL_DIR} as its CLIP directory for the original release), and optionally {@code MODEL_ID} (the
 * served model whose topics it reads), {@code MODEL_DTYPE},
 * {@code MODEL_DEVICE}, {@code FUSION_APPLICATION_ID}, {@code FUSION_GROUP_ID}, {@code FUSION_JOIN_WINDOW_MS},
 * {@code FUSION_MAX_BATCH}, {@code FUSION_MAX_TOKENS_PER_STEP}, {@code FUSION_KV_BLOCK_SIZE},
 * {@code FUSION_KV_CACHE_TOKENS}, {@code FUSION_MAX_QUEUED}, {@code FUSION_STATE_DIR}, {@code TOPICS_REPLICATION}, {@code PROBE_HOST},
 * {@code PROBE_PORT} (health and metrics, default 8081).
 */
public final class FusionLlmMain {
    private FusionLlmMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        Lifecycle.runUntilShutdown(start(Env.system()));
    }

    /** Loads the model, creates missing topics, starts the join and the scheduler and the probe server. */
    public static RunningService start(Env env) throws Exception {
        return start(env, true);
    }

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(FusionLlmConfig config, LoadOptions load, ModelSource model, short replication, String probeHost,
                           int probePort) {
    }

    public static Settings settings(Env env) {
        ModelSource model = ModelSource.of(env.optionalPath("LLAVA_MODEL_DIR"), env.optionalPath("VISION_MODEL_DIR"),
                env.optionalPath("LANGUAGE_MODEL_DIR"), env.optionalPath("FUSION_CHECKPOINT_DIR"),
                ModelSource.ENV);
        FusionLlmConfig defaults = FusionLlmConfig.defaults(env.kafka("fusion-llm"), "/tmp/kafka-streams",
                ModelTopics.of(env.string("MODEL_ID", model.id())));
        FusionLlmConfig config = new FusionLlmConfig(defaults.kafka(),
                env.string("FUSION_APPLICATION_ID", defaults.applicationId()),
                env.millis("FUSION_JOIN_WINDOW_MS", defaults.joinWindow()),
                env.string("FUSION_GROUP_ID", defaults.workGroupId()),
                engine(env, defaults.engine()),
                env.integer("FUSION_MAX_QUEUED", defaults.maxQueued()),
                env.string("FUSION_STATE_DIR", defaults.stateDir()), defaults.topics());
        LoadOptions load = new LoadOptions(LoadOptions.parseDtype(env.string("MODEL_DTYPE", "float32")),
                LoadOptions.parseDevice(env.string("MODEL_DEVICE", "auto")));
        return new Settings(config, load, model, (short) env.integer("TOPICS_REPLICATION", -1),
                env.string("PROBE_HOST", "0.0.0.0"), env.integer("PROBE_PORT", 8081));
    }

    private static EngineConfig engine(Env env, EngineConfig defaults) {
        return new EngineConfig(env.integer("FUSION_MAX_BATCH", defaults.maxBatch()),
                env.integer("FUSION_MAX_TOKENS_PER_STEP", defaults.maxTokensPerStep()),
                env.integer("FUSION_KV_BLOCK_SIZE", defaults.kvBlockSize()),
                env.integer("FUSION_KV_CACHE_TOKENS", defaults.kvCacheTokens()));
    }

    /** As {@link #start(Env)}; without {@code probes} the host (Quarkus) serves health and metrics. */
    public static RunningService start(Env env, boolean probes) throws Exception {
        Settings s = settings(env);
        FusionLlmConfig config = s.config();
        TopicSetup.ensureDefaults(config.kafka(), s.replication(), java.util.List.of(config.topics().model()));
        MultimodalModel model = s.model().loadLanguage(s.load()); // no CLIP: features arrive on vlm.work
        Metrics metrics = new Metrics();
        FusionLlmService service = new FusionLlmService(config, model, metrics);
        service.start();
        ProbeServer probeServer = probes
                ? ProbeServer.start(s.probeHost(), s.probePort(), service::isRunning, service::isLive, metrics) : null;
        return RunningService.of(service::isRunning, service::isLive, metrics, () -> {
            if (probeServer != null) {
                probeServer.close();
            }
            service.close();
            model.close();
        });
    }
}
