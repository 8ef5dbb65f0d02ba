package org.invllava.vision.svc;

import java.time.Duration;
import java.util.List;
import org.invllava.kafka.Env;
import org.invllava.kafka.Lifecycle;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.ProbeServer;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.VisionModel;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TensorDType;

/**
 * The vision encoder as its own process. Environment: {@code KAFKA_BOOTSTRAP_SERVERS}, {@code VISION_MODEL_DIR},
 * {@code FUSION_CHECKPOINT_DIR} (for the feature layers), or {@code LLAVA_MODEL_DIR} (LLaVA-1.5; with
 * {@code VISION_MODEL_DIR} as its CLIP directory for the original release), and optionally {@code MODEL_ID} (the
 * served model whose topics it reads and writes), {@code MODEL_DTYPE}, {@code MODEL_DEVICE},
 * {@code VISION_GROUP_ID}, {@code VISION_MAX_BATCH}, {@code VISION_MAX_WAIT_MS}, {@code VISION_MAX_IMAGE_BYTES},
 * {@code VISION_MAX_PIXELS}, {@code VISION_FEATURE_DTYPE} (F32|F16), {@code VISION_CACHE_ENTRIES},
 * {@code TOPICS_REPLICATION}, {@code PROBE_HOST}, {@code PROBE_PORT} (health and metrics, default 8081).
 */
public final class VisionEncoderMain {

    private VisionEncoderMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        Lifecycle.runUntilShutdown(start(Env.system()));
    }

    /** Loads the model, creates missing topics, starts the loop and the probe server; close to stop. */
    public static RunningService start(Env env) throws Exception {
        return start(env, true);
    }

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(VisionEncoderConfig config, LoadOptions load, ModelSource model, short replication,
                           String probeHost, int probePort) {
    }

    public static Settings settings(Env env) {
        ModelSource model = ModelSource.forVision(env.optionalPath("LLAVA_MODEL_DIR"),
                env.optionalPath("VISION_MODEL_DIR"), env.optionalPath("FUSION_CHECKPOINT_DIR"), ModelSource.ENV);
        VisionEncoderConfig defaults = VisionEncoderConfig.defaults(env.kafka("vision-encoder"),
                ModelTopics.of(env.string("MODEL_ID", model.id())));
        VisionEncoderConfig config = new VisionEncoderConfig(defaults.kafka(),
                env.string("VISION_GROUP_ID", defaults.groupId()), env.integer("VISION_MAX_BATCH", defaults.maxBatch()),
                env.millis("VISION_MAX_WAIT_MS", defaults.maxWait()),
                env.integer("VISION_MAX_IMAGE_BYTES", defaults.maxImageBytes()),
                env.integer("VISION_MAX_PIXELS", (int) defaults.maxPixels()),
                TensorDType.valueOf(env.string("VISION_FEATURE_DTYPE", defaults.featureDtype().name())),
                env.integer("VISION_CACHE_ENTRIES", defaults.cacheEntries()), defaults.topics());
        LoadOptions load = new LoadOptions(LoadOptions.parseDtype(env.string("MODEL_DTYPE", "float32")),
                LoadOptions.parseDevice(env.string("MODEL_DEVICE", "auto")));
        return new Settings(config, load, model, (short) env.integer("TOPICS_REPLICATION", -1), env.string("PROBE_HOST", "0.0.0.0"), env.integer("PROBE_PORT", 8081));
    }

    /** As {@link #start(Env)}; without {@code probes} the host (Quarkus) serves health and metrics. */
    public static RunningService start(Env env, boolean probes) throws Exception {
        Settings s = settings(env);
        VisionEncoderConfig config = s.config();
        TopicSetup.ensureDefaults(config.kafka(), s.replication(), List.of(config.topics().model()));
        VisionModel model = s.model().loadVision(s.load());
        Metrics metrics = new Metrics();
        VisionEncoderService service = new VisionEncoderService(config, model, s.model().visionCheckpoint().toString(), metrics);
        Thread loop = new Thread(service, "vision-encoder");
        loop.start();
        ProbeServer probeServer = probes ? ProbeServer.start(s.probeHost(), s.probePort(), service::ready, metrics) : null;
        return RunningService.of(service::ready, metrics, () -> {
            if (probeServer != null) {
                probeServer.close();
            }
            service.close();
            loop.join(Duration.ofSeconds(30).toMillis());
            model.close();
        });
    }
}
