package org.invllava.fusion.svc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.invllava.host.RunningService;
import org.invllava.kafka.KafkaSettings;
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
 * How a fusion LLM starts, for its Quarkus app ({@link FusionLlmApp}) and the tests: its settings
 * ({@link FusionLlmSettings}) checked and turned into the service's configuration, then the model's language side and
 * the service. Quarkus serves health and metrics on {@code PROBE_HOST:PROBE_PORT} (its application.properties).
 */
public final class FusionLlmStartup {
    private FusionLlmStartup() {}

    /** Everything the service is configured with, read and checked before Kafka or the model is touched. */
    public record Settings(FusionLlmConfig config, LoadOptions load, ModelSource model, short replication) {}

    public static Settings settings(FusionLlmSettings s) {
        ModelSource model = ModelSource.forLanguage(
                new ModelSource.Dirs(
                        s.llava().modelPath(),
                        s.vision().modelPath(),
                        s.language().modelPath(),
                        s.fusion().checkpointDir().map(Path::of).orElse(null),
                        s.dpa().modelPath(),
                        s.dpa().refsPath()),
                ModelSource.ENV);
        FusionLlmConfig config = config(
                s,
                s.kafka().settings("fusion-llm"),
                ModelTopics.of(s.model().id().orElse(model.id())));
        LoadOptions load = new LoadOptions(
                LoadOptions.parseDtype(s.model().dtype()),
                LoadOptions.parseDevice(s.model().device()),
                WeightFormat.parse(s.model().weights()));
        return new Settings(config, load, model, s.topics().replication());
    }

    /** The service's configuration from {@code s}, on {@code kafka}, for the served model of {@code topics}. */
    public static FusionLlmConfig config(FusionLlmSettings s, KafkaSettings kafka, ModelTopics topics) {
        FusionLlmSettings.Fusion f = s.fusion();
        return new FusionLlmConfig(
                kafka,
                f.applicationId().orElse(topics.joinApplication()),
                Duration.ofMillis(f.joinWindowMs()),
                f.groupId().orElse(topics.workGroup()),
                new EngineConfig(f.maxBatch(), f.maxTokensPerStep(), f.kvBlockSize(), f.kvCacheTokens()),
                f.maxQueued(),
                f.stateDir(),
                topics,
                Duration.ofMillis(f.orphanGraceMs()));
    }

    /**
     * Creates missing topics, loads the language side (no CLIP: features arrive on {@code vlm.work}) and starts the
     * join and the scheduler; close to stop (the model too).
     */
    public static RunningService start(Settings s, Metrics metrics, Tracing tracing) throws InterruptedException {
        FusionLlmConfig config = s.config();
        TopicSetup.ensureDefaults(
                config.kafka(), s.replication(), List.of(config.topics().model()));
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
