package org.invllava.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.invllava.gateway.clients.NodeClients;
import org.junit.jupiter.api.Test;

/**
 * Every rendered object validates against its schema: Kubernetes' own and the CRDs' (Strimzi, KEDA, Prometheus
 * Operator), from npm packages installed by the test (kubernetes-models and @kubernetes-models/*), offline.
 */
class ManifestSchemaTest {
    private static final NodeClients VALIDATOR = NodeClients.ofModule();

    @Test
    void everyRenderedObjectValidates() throws Exception {
        List<RenderedManifests> overlays = new ArrayList<>();
        for (String overlay : RenderedManifests.OVERLAYS) {
            overlays.add(RenderedManifests.of(overlay));
        }
        JsonNode out = VALIDATOR.run(
                "validate.mjs",
                Map.of(),
                overlays.stream().map(r -> r.file.toAbsolutePath().toString()).toArray(String[]::new));
        assertEquals(0, out.path("errors").size(), out.path("errors").toPrettyString());
        assertEquals(
                overlays.stream().mapToInt(r -> r.objects.size()).sum(),
                out.path("checked").asInt());
        assertTrue(out.path("checked").asInt() > 80, out.toString());
    }

    /** The validator is not a rubber stamp: each of these objects breaks its schema, or has none. */
    @Test
    void theValidatorRefusesBrokenObjects() throws Exception {
        JsonNode out = VALIDATOR.run(
                "validate.mjs",
                Map.of(),
                Path.of("src/test/resources/invalid-objects.yaml")
                        .toAbsolutePath()
                        .toString());
        assertEquals(4, out.path("checked").asInt(), out.toString());
        assertEquals(4, out.path("errors").size(), out.toString());
    }
}
