package org.invllava.vision.svc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.invllava.host.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.ImageEncoder;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TensorDType;

/**
 * How a vision encoder starts, for its Quarkus app ({@link VisionEncoderApp}), {@code serve} ({@link #run}) and the
 * tests: its settings ({@link VisionEncoderSettings}) checked and turned into the service's configuration, then the
 * model's vision side and the encoding loop. Quarkus serves health and metrics on {@code PROBE_HOST:PROBE_PORT}.
 */
public final class VisionEncoderStartup {

    private VisionEncoderStartup() {}

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(VisionEncoderConfig config, LoadOptions load, ModelSource model, short replication) {}

    public static Settings settings(VisionEncoderSettings s) {
        ModelSource model = ModelSource.forVision(
                new ModelSource.Dirs(
                        s.llava().modelPath(),
                        s.vision().modelPath(),
                        null,
                        s.fusion().checkpointDir().map(Path::of).orElse(null),
                        s.dpa().modelPath(),
                        s.dpa().refsPath()),
                ModelSource.ENV);
        ModelTopics topics = ModelTopics.of(s.model().id().orElse(model.id()));
        VisionEncoderSettings.Vision v = s.vision();
        VisionEncoderConfig config = new VisionEncoderConfig(
                s.kafka().settings("vision-encoder"),
                v.groupId().orElse(topics.visionGroup()),
                v.maxBatch(),
                Duration.ofMillis(v.maxWaitMs()),
                v.maxImageBytes(),
                v.maxPixels(),
                TensorDType.valueOf(v.featureDtype()),
                v.cacheEntries(),
                topics);
        LoadOptions load = new LoadOptions(
                LoadOptions.parseDtype(s.model().dtype()),
                LoadOptions.parseDevice(s.model().device()));
        return new Settings(config, load, model, s.topics().replication());
    }

    /** Creates missing topics, loads the vision side and starts encoding; close to stop (the model too). */
    public static RunningService start(Settings s, Metrics metrics, Tracing tracing) throws Exception {
        TopicSetup.ensureDefaults(
                s.config().kafka(), s.replication(), List.of(s.config().topics().model()));
        ImageEncoder model = s.model().loadVision(s.load());
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
            VisionEncoderConfig config, ImageEncoder model, String encoderId, Metrics metrics, Tracing tracing) {
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
