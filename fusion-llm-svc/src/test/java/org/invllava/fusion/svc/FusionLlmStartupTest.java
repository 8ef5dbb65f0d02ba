package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.invllava.host.config.ServiceConfig;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.serving.EngineConfig;
import org.junit.jupiter.api.Test;

/** The fusion LLM's settings from its variables: a missing or malformed one is one clear error naming it. */
class FusionLlmStartupTest {
    private static final Map<String, String> KAFKA = Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");

    @Test
    void aMissingModelIsOneClearError() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FusionLlmStartup.settings(ServiceConfig.load(FusionLlmSettings.class, KAFKA)));
        assertEquals(
                "LANGUAGE_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for LLaVA-1.5)",
                e.getMessage());
    }

    @Test
    void aMalformedNumberNamesItsSetting() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "FUSION_MAX_BATCH", "eight");
        RuntimeException e =
                assertThrows(RuntimeException.class, () -> ServiceConfig.load(FusionLlmSettings.class, env));
        assertTrue(e.getMessage().contains("fusion.max-batch"), e.getMessage());
    }

    @Test
    void theEngineDefaultsAreTheEnginesOwn() { // the in-process engine (eval, bench) and the service agree
        FusionLlmConfig config = TestConfigs.fusion(KafkaSettings.of("127.0.0.1:1", "t"), "/tmp/s");
        assertEquals(EngineConfig.defaults(), config.engine());
        assertEquals(config.engine().maxBatch(), config.maxQueued(), "a batch's worth may wait");
    }
}
