package org.invllava.vision.svc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.invllava.host.Env;
import org.invllava.host.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.VisionModel;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TensorDType;

/**
 * How a vision encoder starts, for its Quarkus app ({@link VisionEncoderApp}), {@code serve} ({@link #run}) and the
 * tests. Environment: {@code KAFKA_BOOTSTRAP_SERVERS}, {@code VISION_MODEL_DIR},
 * {@code FUSION_CHECKPOINT_DIR} (for the feature layers), or {@code LLAVA_MODEL_DIR} (LLaVA-1.5; with
 * {@code VISION_MODEL_DIR} as its CLIP directory for the original release), and optionally {@code MODEL_ID} (the
 * served model whose topics it reads and writes), {@code MODEL_DTYPE}, {@code MODEL_DEVICE},
 * {@code VISION_GROUP_ID}, {@code VISION_MAX_BATCH}, {@code VISION_MAX_WAIT_MS}, {@code VISION_MAX_IMAGE_BYTES},
 * {@code VISION_MAX_PIXELS}, {@code VISION_FEATURE_DTYPE} (F32|F16), {@code VISION_CACHE_ENTRIES},
 * {@code TOPICS_REPLICATION}. Quarkus serves health and metrics on {@code PROBE_HOST:PROBE_PORT}.
 */
public final class VisionEncoderStartup {

    private VisionEncoderStartup() {}

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(VisionEncoderConfig config, LoadOptions load, ModelSource model, short replication) {}

    public static Settings settings(Env env) {
        ModelSource model = ModelSource.forVision(
                env.optionalPath("LLAVA_MODEL_DIR"),
                env.optionalPath("VISION_MODEL_DIR"),
                env.optionalPath("FUSION_CHECKPOINT_DIR"),
                ModelSource.ENV);
        VisionEncoderConfig defaults = VisionEncoderConfig.defaults(
                env.kafka("vision-encoder"), ModelTopics.of(env.string("MODEL_ID", model.id())));
        VisionEncoderConfig config = new VisionEncoderConfig(
                defaults.kafka(),
                env.string("VISION_GROUP_ID", defaults.groupId()),
                env.integer("VISION_MAX_BATCH", defaults.maxBatch()),
                env.millis("VISION_MAX_WAIT_MS", defaults.maxWait()),
                env.integer("VISION_MAX_IMAGE_BYTES", defaults.maxImageBytes()),
                env.integer("VISION_MAX_PIXELS", (int) defaults.maxPixels()),
                TensorDType.valueOf(env.string(
                        "VISION_FEATURE_DTYPE", defaults.featureDtype().name())),
                env.integer("VISION_CACHE_ENTRIES", defaults.cacheEntries()),
                defaults.topics());
        LoadOptions load = new LoadOptions(
                LoadOptions.parseDtype(env.string("MODEL_DTYPE", "float32")),
                LoadOptions.parseDevice(env.string("MODEL_DEVICE", "auto")));
        return new Settings(config, load, model, (short) env.integer("TOPICS_REPLICATION", -1));
    }

    /** Creates missing topics, loads the vision side and starts encoding; close to stop (the model too). */
    public static RunningService start(Settings s, Metrics metrics, Tracing tracing) throws Exception {
        TopicSetup.ensureDefaults(
                s.config().kafka(), s.replication(), List.of(s.config().topics().model()));
        VisionModel model = s.model().loadVision(s.load());
        try {
            RunningService service = run(s.config(), model, encoderId(s.model()), metrics, tracing);
            return RunningService.of(service::ready, service::live, () -> {
                service.close();
                model.close();
            });
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Starts the encoding loop on its own thread with a model already loaded (the local stack shares one model's
     * vision side); close to stop it and wait for the loop, before the model is closed.
     */
    public static RunningService run(
            VisionEncoderConfig config, VisionModel model, String encoderId, Metrics metrics, Tracing tracing) {
        VisionEncoderService service = new VisionEncoderService(config, model, encoderId, metrics, tracing);
        Thread loop = new Thread(service, "vision-encoder" + config.topics().groupSuffix());
        loop.setDaemon(true);
        loop.start();
        return RunningService.of(
                service::ready,
                loop::isAlive,
                () -> { // a dead loop is not alive: restart it
                    service.close();
                    loop.join(Duration.ofSeconds(30).toMillis());
                });
    }

    /** What features are labelled with (and cached by): the model id and its vision checkpoint's directory. */
    public static String encoderId(ModelSource source) {
        Path vision = source.visionCheckpoint().toAbsolutePath().normalize();
        return source.id() + ":" + vision.getFileName() + "@" + Integer.toHexString(vision.hashCode());
    }
}
