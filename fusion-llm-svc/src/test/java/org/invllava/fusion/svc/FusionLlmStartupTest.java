package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.invllava.host.Env;
import org.junit.jupiter.api.Test;

/** The fusion LLM's settings from its variables: a missing one is one clear error naming it. */
class FusionLlmStartupTest {
    @Test
    void aMissingVariableIsOneClearError() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FusionLlmStartup.settings(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"))));
        assertEquals(
                "LANGUAGE_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for " + "LLaVA-1.5)",
                e.getMessage());
    }
}
