package org.invllava.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** Each variable is also a Quarkus property: environment variables as before, properties files and -D too. */
class QuarkusEnvTest {
    private static Config config(Map<String, String> environment, Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(environment, 300))
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .build();
    }

    @Test
    void variablesAndPropertiesSetTheSameSettingEnvironmentFirst() {
        Env env = QuarkusEnv.of(config(
                Map.of("GATEWAY_MAX_TOKENS", "7", "KAFKA_BOOTSTRAP_SERVERS", "k:9092"),
                Map.of("gateway.max-tokens", "9", "fusion.max-batch", "3", "gateway.deadline-ms", "1500")));
        assertEquals(7, env.integer("GATEWAY_MAX_TOKENS", 2048), "the environment wins over application.properties");
        assertEquals(3, env.integer("FUSION_MAX_BATCH", 8), "a property alone sets it");
        assertEquals(
                1500,
                env.millis("GATEWAY_DEADLINE_MS", java.time.Duration.ofMinutes(2))
                        .toMillis());
        assertEquals(256, env.integer("GATEWAY_DEFAULT_MAX_TOKENS", 256), "unset: the default");
        assertEquals("k:9092", env.kafka("gateway").bootstrapServers());
    }

    @Test
    void errorsNameTheVariableAndTheProperty() {
        Env env = QuarkusEnv.of(config(Map.of(), Map.of("fusion.max-batch", "eight")));
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> env.integer("FUSION_MAX_BATCH", 8));
        assertEquals("FUSION_MAX_BATCH (fusion.max-batch) must be an integer, got eight", bad.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> env.kafka("gateway"));
        assertTrue(
                missing.getMessage().contains("KAFKA_BOOTSTRAP_SERVERS (kafka.bootstrap-servers) is required"),
                missing.getMessage());
    }

    @Test
    void propertyNames() {
        assertEquals("kafka.bootstrap-servers", Env.property("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("fusion.kv-cache-tokens", Env.property("FUSION_KV_CACHE_TOKENS"));
        assertEquals("hostname", Env.property("HOSTNAME"));
    }
}
