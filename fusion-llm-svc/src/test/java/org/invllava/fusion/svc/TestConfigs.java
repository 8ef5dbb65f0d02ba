package org.invllava.fusion.svc;

import java.util.Map;
import org.invllava.host.config.ServiceConfig;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.ModelTopics;

/** The fusion LLM's configuration as its settings' defaults make it, for tests that build the service in-process. */
final class TestConfigs {
    private TestConfigs() {}

    /** The defaults on {@code kafka} for the primary model, its Streams state under {@code stateDir}. */
    static FusionLlmConfig fusion(KafkaSettings kafka, String stateDir) {
        FusionLlmSettings s = ServiceConfig.load(
                FusionLlmSettings.class,
                Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "FUSION_STATE_DIR", stateDir));
        return FusionLlmStartup.config(s, kafka, ModelTopics.of(ModelTopics.PRIMARY));
    }
}
