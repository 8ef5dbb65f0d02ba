package org.invllava.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.invllava.fusion.svc.FusionLlmSettings;
import org.invllava.fusion.svc.FusionLlmStartup;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewaySettings;
import org.invllava.gateway.GatewayStartup;
import org.invllava.host.config.ServiceConfig;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.Topics;
import org.invllava.vision.svc.VisionEncoderSettings;
import org.invllava.vision.svc.VisionEncoderStartup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The rendered overlays against the services' own code: topics, configuration variables, ports and probes,
 * scaling bounds, metric names, and the pods' lock-down.
 */
class ManifestConsistencyTest {
    static final List<String> OVERLAYS = RenderedManifests.OVERLAYS;
    /** SmallRye Health's endpoints, which every service's Quarkus app serves on PROBE_PORT. */
    static final Set<String> PROBE_PATHS = Set.of("/q/health/live", "/q/health/ready", "/q/health/started");
    /**
     * Variables read by a library inside the service rather than by our settings code: DJL's, the JVM's, glibc's,
     * libtorch's OpenMP (and the runtime's weight kernels: {@code QuantKernels}).
     */
    static final Set<String> LIBRARY_VARIABLES =
            Set.of("DJL_CACHE_DIR", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "MALLOC_ARENA_MAX", "OMP_NUM_THREADS");

    @TempDir
    static Path tmp;

    /** A service: its Deployment, its Quarkus module, its settings mapping, and how the service turns them into its configuration. */
    record Service(String deployment, String module, Class<?> mapping, Function<Map<String, String>, Object> settings) {
        static <T> Service of(String deployment, String module, Class<T> mapping, Function<T, Object> configure) {
            return new Service(deployment, module, mapping, env -> configure.apply(ServiceConfig.load(mapping, env)));
        }
    }

    static final Service GATEWAY = Service.of("gateway", "gateway", GatewaySettings.class, GatewayStartup::config);

    /** The gateway, then each served model's vision encoder and fusion LLM ({@code vision-encoder*}, {@code fusion-llm*}). */
    static List<Service> services(RenderedManifests m) {
        List<Service> out = new ArrayList<>(List.of(GATEWAY));
        for (JsonNode d : m.all("Deployment")) {
            String name = d.path("metadata").path("name").asText();
            if (name.startsWith("vision-encoder")) {
                out.add(Service.of(
                        name, "vision-encoder-svc", VisionEncoderSettings.class, VisionEncoderStartup::settings));
            } else if (name.startsWith("fusion-llm")) {
                out.add(Service.of(name, "fusion-llm-svc", FusionLlmSettings.class, FusionLlmStartup::settings));
            }
        }
        return out;
    }

    /** The model ids the gateway routes to. */
    static List<String> servedModels(RenderedManifests m) {
        return ((GatewayConfig) parse(m, GATEWAY)).models().ids();
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyTopicTheServicesUseExistsWithItsPartitionsRetentionAndSize(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        List<Topics.Spec> specs = ModelTopics.specs(servedModels(m));
        for (Topics.Spec spec : specs) {
            JsonNode t = m.one("KafkaTopic", spec.name());
            assertTrue(t.path("spec").path("partitions").asInt() >= spec.defaultPartitions(), spec.name());
            JsonNode config = t.path("spec").path("config");
            assertTrue(config.path("max.message.bytes").asLong() >= Topics.MAX_MESSAGE_BYTES, spec.name());
            assertEquals(
                    spec.retention().toMillis(), config.path("retention.ms").asLong(), spec.name());
        }
        assertEquals(specs.size(), m.all("KafkaTopic").size(), "a KafkaTopic no service uses");
        JsonNode brokers =
                m.one("Kafka", "inverse-llava").path("spec").path("kafka").path("config");
        assertTrue(brokers.path("message.max.bytes").asLong() >= Topics.MAX_MESSAGE_BYTES);
        assertTrue(brokers.path("replica.fetch.max.bytes").asLong() >= Topics.MAX_MESSAGE_BYTES);
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyVariableAManifestSetsIsReadByItsService(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (Service s : services(m)) {
            Map<String, String> env = m.environment(m.one("Deployment", s.deployment()));
            String device = env.getOrDefault("MODEL_DEVICE", "cpu");
            assertTrue(device.matches("auto|cpu|gpu(:\\d+)?"), s.deployment() + ": MODEL_DEVICE=" + device);
            parse(m, s); // every value parses as the service would parse it
            Set<String> known =
                    new HashSet<>(ServiceConfig.variables(s.mapping()).keySet());
            known.addAll(quarkusVariables(s.module()));
            known.addAll(LIBRARY_VARIABLES);
            Set<String> unknown = new HashSet<>(env.keySet());
            unknown.removeAll(known);
            assertTrue(
                    unknown.isEmpty(),
                    overlay + "/" + s.deployment() + " sets variables the service never reads: " + unknown);
        }
    }

    /**
     * A model service runs libtorch's threads on the CPUs it requests: without OMP_NUM_THREADS each replica starts one
     * per core of its node, and replicas sharing a node (KEDA scales on lag) spin against each other. Its JVM counts
     * the same CPUs.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void modelServicesRunAsManyThreadsAsTheCpusTheyRequest(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (Service s : services(m).subList(1, services(m).size())) {
            JsonNode deployment = m.one("Deployment", s.deployment());
            JsonNode container = RenderedManifests.container(deployment);
            JsonNode threads = null;
            for (JsonNode e : container.path("env")) {
                threads = e.path("name").asText().equals("OMP_NUM_THREADS") ? e : threads;
            }
            assertNotNull(threads, overlay + "/" + s.deployment() + " leaves libtorch one thread per core of the node");
            assertEquals(
                    "requests.cpu",
                    threads.path("valueFrom")
                            .path("resourceFieldRef")
                            .path("resource")
                            .asText(),
                    overlay + "/" + s.deployment() + ": OMP_NUM_THREADS follows the CPU request");
            Map<String, String> env = m.environment(deployment);
            long cpus = Long.parseLong(env.get("OMP_NUM_THREADS"));
            assertTrue(cpus >= 1, overlay + "/" + s.deployment() + ": " + cpus + " threads");
            String java = env.get("JDK_JAVA_OPTIONS");
            assertTrue(
                    java != null && java.contains("-XX:ActiveProcessorCount=" + cpus),
                    overlay + "/" + s.deployment() + ": the JVM counts the node's cores, not the " + cpus
                            + " it requests: JDK_JAVA_OPTIONS=" + java);
        }
    }

    @Test
    void variableReferencesExpandAsTheKubeletExpandsThem() {
        Map<String, String> defined = Map.of("CPUS", "4");
        assertEquals(
                "-XX:ActiveProcessorCount=4", RenderedManifests.expand("-XX:ActiveProcessorCount=$(CPUS)", defined));
        assertEquals("$(LATER) $(CPUS) $", RenderedManifests.expand("$(LATER) $$(CPUS) $", defined));
    }

    /**
     * Runs the service's settings parser on the Deployment's environment; a GPU device reads as the CPU (no GPU here
     * to resolve it against) and the API key file as a real file with one key.
     */
    static Object parse(RenderedManifests m, Service s) {
        Map<String, String> env = new HashMap<>(m.environment(m.one("Deployment", s.deployment())));
        env.computeIfPresent("MODEL_DEVICE", (k, v) -> "cpu");
        env.computeIfPresent("GATEWAY_API_KEYS_FILE", (k, v) -> keysFile());
        return s.settings().apply(env);
    }

    private static String keysFile() {
        try {
            return Files.writeString(tmp.resolve("api-keys"), "k1\n").toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ${NAME:default}} references in a module's application.properties (read by Quarkus itself). */
    static Set<String> quarkusVariables(String module) throws Exception {
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)")
                .matcher(Files.readString(Path.of("..", module, "src/main/resources/application.properties")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void portsProbesAndPathsMatchTheApplications(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (Service s : services(m)) {
            JsonNode d = m.one("Deployment", s.deployment());
            Map<String, String> env = m.environment(d);
            JsonNode c = RenderedManifests.container(d);
            Map<String, Integer> ports = new HashMap<>();
            c.path("ports")
                    .forEach(p -> ports.put(
                            p.path("name").asText(), p.path("containerPort").asInt()));
            assertEquals(Integer.parseInt(env.get("PROBE_PORT")), ports.get("probe"), s.deployment() + ": probe port");
            if (s.deployment().equals("gateway")) {
                assertEquals(Integer.parseInt(env.get("GATEWAY_PORT")), ports.get("http"), "gateway API port");
            }
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                JsonNode get = c.path(probe).path("httpGet");
                assertTrue(PROBE_PATHS.contains(get.path("path").asText()), s.deployment() + " " + probe + ": " + get);
                assertEquals("probe", get.path("port").asText(), s.deployment() + " " + probe);
            }
            JsonNode svc = m.one("Service", s.deployment());
            svc.path("spec")
                    .path("ports")
                    .forEach(p -> assertTrue(
                            ports.containsKey(p.path("targetPort").asText()),
                            s.deployment() + " service targets a port the container lacks: " + p));
            JsonNode monitor = m.one("ServiceMonitor", s.deployment())
                    .path("spec")
                    .path("endpoints")
                    .get(0);
            assertEquals("/q/metrics", monitor.path("path").asText());
            assertEquals("probe", monitor.path("port").asText());
            for (Map.Entry<String, String> e : env.entrySet()) {
                if (e.getKey().endsWith("_DIR")
                        || e.getKey().endsWith("_LOCATION")
                        || e.getKey().endsWith("_FILE")) {
                    assertMounted(d, e.getValue(), s.deployment() + " " + e.getKey());
                }
            }
        }
    }

    /** A path a service reads or writes lies on one of its volumes (the root filesystem is read-only). */
    static void assertMounted(JsonNode deployment, String path, String what) {
        boolean mounted = false;
        for (JsonNode mount : RenderedManifests.container(deployment).path("volumeMounts")) {
            mounted |= path.equals(mount.path("mountPath").asText())
                    || path.startsWith(mount.path("mountPath").asText() + "/");
        }
        assertTrue(mounted, what + " = " + path + " is on no volume");
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void autoscalingFollowsTheServicesGroupsWithinThePartitions(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        Map<String, Set<String>> groups = new HashMap<>();
        Set<String> visionModels = new HashSet<>();
        Set<String> fusionModels = new HashSet<>();
        for (Service s : services(m).subList(1, services(m).size())) {
            Object settings = parse(m, s);
            if (settings instanceof VisionEncoderStartup.Settings v) {
                groups.put(
                        s.deployment(),
                        Set.of(v.config().groupId() + "@" + v.config().topics().images()));
                visionModels.add(v.config().topics().model());
            } else if (settings instanceof FusionLlmStartup.Settings f) {
                groups.put(
                        s.deployment(),
                        Set.of(
                                f.config().workGroupId() + "@"
                                        + f.config().topics().work(),
                                f.config().applicationId() + "@"
                                        + f.config().topics().prompts()));
                fusionModels.add(f.config().topics().model());
            }
        }
        Set<String> served = new HashSet<>(servedModels(m));
        assertEquals(served, visionModels, overlay + ": a vision encoder for each model the gateway routes to");
        assertEquals(served, fusionModels, overlay + ": a fusion LLM for each model the gateway routes to");
        for (Map.Entry<String, Set<String>> g : groups.entrySet()) {
            JsonNode so = m.one("ScaledObject", g.getKey()).path("spec");
            assertEquals(g.getKey(), so.path("scaleTargetRef").path("name").asText());
            Set<String> triggers = new HashSet<>();
            for (JsonNode t : so.path("triggers")) {
                String topic = t.path("metadata").path("topic").asText();
                triggers.add(t.path("metadata").path("consumerGroup").asText() + "@" + topic);
                int partitions = m.one("KafkaTopic", topic)
                        .path("spec")
                        .path("partitions")
                        .asInt();
                assertTrue(
                        so.path("maxReplicaCount").asInt() <= partitions,
                        g.getKey() + ": more replicas than " + topic + " has partitions");
                m.one(
                        "TriggerAuthentication",
                        t.path("authenticationRef").path("name").asText());
            }
            assertEquals(g.getValue(), triggers, g.getKey() + " scales on the lag of the groups it consumes in");
        }
        JsonNode hpa = m.one("HorizontalPodAutoscaler", "gateway").path("spec");
        assertEquals("gateway", hpa.path("scaleTargetRef").path("name").asText());
        assertEquals(
                "cpu", hpa.path("metrics").get(0).path("resource").path("name").asText());
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void dashboardsAndAlertsQueryMetricsTheServicesExport(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        StringBuilder queries = new StringBuilder();
        m.one("ConfigMap", "grafana-dashboard-inverse-llava")
                .path("data")
                .path("inverse-llava.json")
                .asText()
                .lines()
                .forEach(queries::append);
        m.one("PrometheusRule", "inverse-llava")
                .path("spec")
                .path("groups")
                .forEach(g -> g.path("rules")
                        .forEach(r -> queries.append(' ').append(r.path("expr").asText())));
        for (String needed : List.of(
                "time_to_first_token",
                "inter_token_latency",
                "fusion_generated_tokens_total",
                "fusion_queue_seconds",
                "kafka_consumergroup_lag",
                "gateway_errors_total")) {
            assertTrue(queries.indexOf(needed) >= 0, "dashboard/alerts lack " + needed);
        }
        String sources = javaSources();
        Matcher names =
                Pattern.compile("\\b((?:gateway|fusion|vision)_[a-z_]+)").matcher(queries);
        int checked = 0;
        while (names.find()) {
            String metric = names.group(1).replaceAll("_(bucket|sum|count)$", "");
            assertTrue(sources.contains("\"" + metric + "\""), "no service exports " + metric);
            checked++;
        }
        assertTrue(checked > 10, "found only " + checked + " metric references");
        // labels grouped by: the services' tags (registered as literals), Prometheus' le, kafka-exporter's own
        Matcher by = Pattern.compile("by \\(([a-z_, ]+)\\)").matcher(queries);
        while (by.find()) {
            for (String label : by.group(1).split(",\\s*")) {
                assertTrue(
                        List.of("le", "consumergroup", "topic").contains(label)
                                || sources.contains("\"" + label + "\""),
                        "no service labels its meters with " + label);
            }
        }
    }

    /** The services' Java sources, where every metric is registered under a literal name. */
    static String javaSources() throws Exception {
        StringBuilder all = new StringBuilder();
        for (String module : List.of("gateway", "vision-encoder-svc", "fusion-llm-svc", "kafka-support")) {
            try (Stream<Path> files = Files.walk(Path.of("..", module, "src/main/java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    all.append(Files.readString(f));
                }
            }
        }
        return all.toString();
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void podsRunAsNonRootOnAReadOnlyRootWithNoPrivileges(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        List<JsonNode> workloads = m.workloads();
        int jobs = m.all("Job").size();
        assertTrue(jobs >= 1, "a model job");
        assertEquals(
                1 + jobs + 2 * servedModels(m).size(), workloads.size(), "gateway, model jobs, two services per model");
        for (JsonNode w : workloads) {
            String name = w.path("metadata").path("name").asText();
            JsonNode pod = w.path("spec").path("template").path("spec");
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), name);
            JsonNode sc = RenderedManifests.container(w).path("securityContext");
            assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), name);
            assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), name);
            assertEquals("ALL", sc.path("capabilities").path("drop").get(0).asText(), name);
            assertMounted(w, "/tmp", name + " /tmp");
            assertEquals(
                    "inverse-llava",
                    w.path("spec")
                            .path("template")
                            .path("metadata")
                            .path("labels")
                            .path("app.kubernetes.io/part-of")
                            .asText(),
                    name + " is outside the network policies");
        }
        for (Service s : services(m).subList(1, services(m).size())) {
            String model = s.deployment();
            JsonNode resources =
                    RenderedManifests.container(m.one("Deployment", model)).path("resources");
            boolean gpu = resources.path("limits").has("nvidia.com/gpu");
            assertEquals(overlay.startsWith("gpu"), gpu, overlay + ": " + model + " GPU request");
            assertEquals(
                    overlay.startsWith("gpu") ? "gpu" : "cpu",
                    m.environment(m.one("Deployment", model)).get("MODEL_DEVICE"));
        }
    }
}
