package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.host.config.ServiceConfig;
import org.junit.jupiter.api.Test;

/**
 * The gateway's settings as Quarkus reads them: each environment variable is its property, the environment wins over
 * {@code application.properties}, the variables {@code serve} and the tests set ({@link GatewayVariables}) read back
 * as given, and a malformed or missing one is refused naming it.
 */
class GatewaySettingsTest {
    private static final Map<String, String> KAFKA = Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092");

    private static GatewayConfig config(Map<String, String> variables) {
        Map<String, String> all = new HashMap<>(KAFKA);
        all.putAll(variables);
        return GatewayStartup.config(ServiceConfig.load(GatewaySettings.class, all));
    }

    @Test
    void whatServeAndTheTestsSetReadsBackAsGiven() {
        GatewayConfig.Limits limits =
                new GatewayConfig.Limits(1 << 20, 1 << 19, 1 << 18, 300, 100, 10, Duration.ofSeconds(5), 4);
        GatewayConfig.Connections connections = new GatewayConfig.Connections(
                10, 2, Duration.ofSeconds(30), Duration.ofSeconds(3), List.of("https://a.example"), List.of("gw"));
        Map<String, String> variables = new HashMap<>(GatewayVariables.of(limits));
        variables.putAll(GatewayVariables.of(connections));
        variables.putAll(GatewayVariables.access(
                List.of("k1", "k2"), 3, List.of("https://img.example/"), Duration.ofSeconds(4)));
        GatewayConfig c = config(variables);
        assertEquals(limits, c.limits());
        assertEquals(connections, c.connections());
        assertEquals(3, c.access().maxConcurrentPerKey());
        assertEquals(List.of("https://img.example/"), c.access().imageUrlAllowList());
        assertEquals(Duration.ofSeconds(4), c.access().fetchTimeout());
        assertTrue(c.access().keys().enabled(), "keys given: closed");
    }

    @Test
    void theInstanceIsThePodUnlessNamedAndKubernetesServiceLinksAreIgnored() {
        // a Service named kafka in the namespace sets KAFKA_PORT=tcp://...: not a setting of ours, not an error
        Map<String, String> pod = Map.of("HOSTNAME", "gateway-7f9c", "KAFKA_PORT", "tcp://10.0.0.1:9092");
        assertEquals("gateway-7f9c", config(pod).instanceId());
        Map<String, String> named = new HashMap<>(pod);
        named.put("GATEWAY_INSTANCE_ID", "gw-a");
        assertEquals("gw-a", config(named).instanceId());
        assertTrue(config(Map.of()).instanceId().startsWith("gateway-"), "neither: a random one");
    }

    @Test
    void theEnvironmentWinsOverApplicationProperties() {
        GatewaySettings s = new SmallRyeConfigBuilder()
                .withSources(
                        new EnvConfigSource(Map.of("GATEWAY_MAX_TOKENS", "7", "KAFKA_BOOTSTRAP_SERVERS", "k"), 300))
                .withSources(new PropertiesConfigSource(
                        Map.of("gateway.max-tokens", "9", "gateway.deadline-ms", "1500"),
                        "application.properties",
                        250))
                .withMapping(GatewaySettings.class)
                .build()
                .getConfigMapping(GatewaySettings.class);
        assertEquals(7, s.gateway().maxTokens());
        assertEquals(1500, s.gateway().deadlineMs(), "a property alone sets it");
        assertEquals(256, s.gateway().defaultMaxTokens(), "unset: the default");
    }

    @Test
    void malformedAndMissingSettingsAreRefusedByName() {
        RuntimeException bad = assertThrows(RuntimeException.class, () -> config(Map.of("GATEWAY_MAX_TOKENS", "many")));
        assertTrue(bad.getMessage().contains("gateway.max-tokens"), bad.getMessage());
        RuntimeException missing =
                assertThrows(RuntimeException.class, () -> ServiceConfig.load(GatewaySettings.class, Map.of()));
        assertTrue(missing.getMessage().contains("kafka.bootstrap-servers"), missing.getMessage());
        IllegalArgumentException inconsistent = assertThrows(
                IllegalArgumentException.class,
                () -> config(Map.of("GATEWAY_IDLE_TIMEOUT_MS", "1000", "GATEWAY_DEADLINE_MS", "2000")));
        assertTrue(inconsistent.getMessage().contains("GATEWAY_IDLE_TIMEOUT_MS"), inconsistent.getMessage());
    }

    @Test
    void variablesAreThePropertiesNames() {
        Map<String, String> variables = ServiceConfig.variables(GatewaySettings.class);
        assertEquals("2048", variables.get("GATEWAY_MAX_TOKENS"));
        assertTrue(
                variables.containsKey("KAFKA_BOOTSTRAP_SERVERS") && variables.get("KAFKA_BOOTSTRAP_SERVERS") == null);
        assertTrue(variables.containsKey("HOSTNAME"));
        assertEquals(
                "GATEWAY_WS_FIRST_MESSAGE_TIMEOUT_MS", ServiceConfig.variable("gateway.ws-first-message-timeout-ms"));
    }
}
