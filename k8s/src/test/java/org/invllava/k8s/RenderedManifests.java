package org.invllava.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.invllava.gateway.clients.NodeClients;

/**
 * An overlay rendered by {@code kubectl kustomize} (the command a deployment runs), parsed into objects, with
 * look-ups by kind and name. The rendering is written to {@code target/rendered/<overlay>.yaml}.
 */
final class RenderedManifests {
    static final List<String> OVERLAYS = List.of("cpu", "gpu", "gpu-80gb", "cpu-llava", "gpu-dpa");
    /** The oldest kubectl whose kustomize renders the overlays (components and inline patches need kustomize 4). */
    static final int MIN_KUBECTL_MINOR = 21;

    private static Boolean renderer;
    private static final Map<String, RenderedManifests> CACHE = new HashMap<>();

    final String overlay;
    final Path file;
    final List<JsonNode> objects;

    private RenderedManifests(String overlay, Path file, List<JsonNode> objects) {
        this.overlay = overlay;
        this.file = file;
        this.objects = objects;
    }

    /**
     * The rendered overlay. Without kubectl the test is skipped on a developer's machine and fails in CI
     * ({@code CI=true}), where a skipped manifest test would prove nothing; a kubectl too old to render the overlays
     * fails everywhere.
     */
    static synchronized RenderedManifests of(String overlay) throws Exception {
        requireRenderer();
        RenderedManifests r = CACHE.get(overlay);
        if (r == null) {
            Path out = Path.of("target/rendered").resolve(overlay + ".yaml");
            Files.createDirectories(out.getParent());
            Process p = new ProcessBuilder("kubectl", "kustomize", "overlays/" + overlay)
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.PIPE)
                    .start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize timed out");
            assertEquals(0, p.exitValue(), "kubectl kustomize overlays/" + overlay + " failed:\n" + err);
            List<JsonNode> objects = new ArrayList<>();
            try (MappingIterator<JsonNode> docs =
                    new YAMLMapper().readerFor(JsonNode.class).readValues(out.toFile())) {
                while (docs.hasNext()) {
                    JsonNode d = docs.next();
                    if (d != null && !d.isNull() && !d.isEmpty()) {
                        objects.add(d);
                    }
                }
            }
            r = new RenderedManifests(overlay, out, List.copyOf(objects));
            CACHE.put(overlay, r);
        }
        return r;
    }

    private static void requireRenderer() throws Exception {
        if (renderer == null) {
            renderer = NodeClients.onPath("kubectl");
            if (renderer) {
                Process p = new ProcessBuilder("kubectl", "version", "--client", "-o", "json")
                        .redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl version timed out");
                JsonNode v = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(out.substring(out.indexOf('{')))
                        .path("clientVersion");
                int minor = Integer.parseInt(v.path("minor").asText("0").replaceAll("\\D", ""));
                assertTrue(
                        v.path("major").asInt() > 1 || minor >= MIN_KUBECTL_MINOR,
                        "kubectl "
                                + v.path("gitVersion").asText()
                                + " cannot render the overlays (components, inline patches): "
                                + "kubectl 1." + MIN_KUBECTL_MINOR
                                + " or later is needed (README, \"Deploy on Kubernetes\")");
            }
        }
        if (!renderer && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("kubectl not found: CI must render and check the Kubernetes overlays "
                    + "(kubectl 1." + MIN_KUBECTL_MINOR + " or later on the PATH)");
        }
        assumeTrue(renderer, "kubectl not found: skipping the manifest tests (CI fails instead)");
    }

    List<JsonNode> all(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .toList();
    }

    JsonNode one(String kind, String name) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText())
                        && name.equals(o.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(overlay + ": no " + kind + " named " + name));
    }

    /** The Deployments and Jobs: every pod template the stack itself defines. */
    List<JsonNode> workloads() {
        return java.util.stream.Stream.concat(all("Deployment").stream(), all("Job").stream())
                .toList();
    }

    /** A workload's pod spec. */
    static JsonNode pod(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    /** An object's {@code metadata.name}. */
    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    /** A workload's one container. */
    static JsonNode container(JsonNode workload) {
        JsonNode containers =
                workload.path("spec").path("template").path("spec").path("containers");
        assertEquals(
                1, containers.size(), workload.path("metadata").path("name").asText());
        return containers.get(0);
    }

    /**
     * The environment a Deployment's container gets: its ConfigMaps' data, then its own {@code env} entries (values
     * from secrets stand as {@code <secret>}), with {@code $(NAME)} references expanded as the kubelet does.
     */
    Map<String, String> environment(JsonNode deployment) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode c = container(deployment);
        for (JsonNode from : c.path("envFrom")) {
            String name = from.path("configMapRef").path("name").asText();
            one("ConfigMap", name)
                    .path("data")
                    .fields()
                    .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        }
        for (JsonNode e : c.path("env")) {
            JsonNode resource = e.path("valueFrom").path("resourceFieldRef");
            String value = e.has("value")
                    ? e.path("value").asText()
                    : resource.isMissingNode() ? "<secret>" : String.valueOf(cpus(c, resource));
            env.put(e.path("name").asText(), expand(value, env));
        }
        return env;
    }

    /**
     * The kubelet's expansion of an {@code env} value: {@code $(NAME)} becomes the value of a variable defined before
     * it, {@code $$} a literal {@code $}; a reference to an undefined variable stays as written.
     */
    static String expand(String value, Map<String, String> defined) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            int close = value.startsWith("$(", i) ? value.indexOf(')', i) : -1;
            if (value.startsWith("$$", i)) {
                out.append('$');
                i++;
            } else if (close > 0) {
                String name = value.substring(i + 2, close);
                out.append(defined.getOrDefault(name, "$(" + name + ")"));
                i = close;
            } else {
                out.append(value.charAt(i));
            }
        }
        return out.toString();
    }

    /**
     * A {@code resourceFieldRef} to the container's CPU request or limit as the kubelet resolves it: whole CPUs,
     * rounded up.
     */
    static long cpus(JsonNode container, JsonNode ref) {
        String[] field = ref.path("resource").asText().split("\\.");
        assertEquals(2, field.length, "resourceFieldRef " + ref);
        assertEquals("cpu", field[1], "only CPU fields are resolved here: " + ref);
        assertEquals("1", ref.path("divisor").asText("1"), "divisor of " + ref);
        JsonNode quantity = container.path("resources").path(field[0]).path("cpu");
        assertFalse(
                quantity.isMissingNode(),
                "the container sets no " + ref.path("resource").asText());
        return (millicpus(quantity.asText()) + 999) / 1000;
    }

    /** A CPU quantity ("500m", "2", "1.5") in thousandths of a CPU. */
    static long millicpus(String quantity) {
        return quantity.endsWith("m")
                ? Long.parseLong(quantity.substring(0, quantity.length() - 1))
                : Math.round(Double.parseDouble(quantity) * 1000);
    }
}
