package org.invllava.k8s;

import static org.invllava.k8s.RenderedManifests.name;
import static org.invllava.k8s.RenderedManifests.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What breaks on a real cluster although every schema validates (issue "Kubernetes that survives a real cluster"),
 * checked on the rendered overlays.
 */
class ClusterReadinessTest {
    static final List<String> OVERLAYS = RenderedManifests.OVERLAYS;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /** KEDA's operator runs in its own namespace: a short Service name does not resolve there. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void kedaReachesKafkaByANameThatResolvesFromItsOwnNamespace(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        JsonNode kafka = m.all("Kafka").get(0);
        String expected = kafka.path("metadata").path("name").asText() + "-kafka-bootstrap."
                + kafka.path("metadata").path("namespace").asText() + ".svc:9093";
        for (JsonNode so : m.all("ScaledObject")) {
            for (JsonNode t : so.path("spec").path("triggers")) {
                assertEquals(
                        expected, t.path("metadata").path("bootstrapServers").asText(), name(so));
            }
        }
    }

    /** {@code kubectl apply} would reset a count an autoscaler set. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void noReplicasWhereAnAutoscalerOwnsTheCount(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        Set<String> scaled = new HashSet<>();
        Stream.concat(m.all("ScaledObject").stream(), m.all("HorizontalPodAutoscaler").stream())
                .forEach(a -> scaled.add(
                        a.path("spec").path("scaleTargetRef").path("name").asText()));
        assertEquals(1 + m.all("ScaledObject").size(), scaled.size(), "the gateway and every model service");
        for (String d : scaled) {
            assertFalse(m.one("Deployment", d).path("spec").has("replicas"), overlay + ": " + d);
        }
    }

    /** A ReadWriteOnce volume attaches to one node: every pod that mounts it must be scheduled there. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void aReadWriteOnceVolumeIsOnlyMountedOnOneNode(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode pvc : m.all("PersistentVolumeClaim")) {
            String claim = name(pvc);
            List<JsonNode> users = new ArrayList<>();
            for (JsonNode w : m.workloads()) {
                for (JsonNode v : pod(w).path("volumes")) {
                    if (claim.equals(
                            v.path("persistentVolumeClaim").path("claimName").asText())) {
                        users.add(w);
                    }
                }
            }
            boolean once = false;
            for (JsonNode mode : pvc.path("spec").path("accessModes")) {
                once |= mode.asText().equals("ReadWriteOnce");
            }
            if (!once) {
                continue;
            }
            for (JsonNode w : users) {
                JsonNode term = pod(w).path("affinity")
                        .path("podAffinity")
                        .path("requiredDuringSchedulingIgnoredDuringExecution")
                        .path(0);
                assertEquals(
                        "kubernetes.io/hostname",
                        term.path("topologyKey").asText(),
                        overlay + ": " + name(w) + " mounts " + claim
                                + " (ReadWriteOnce) without being tied to one node");
                Map<String, Object> selector =
                        JSON.convertValue(term.path("labelSelector").path("matchLabels"), Map.class);
                for (JsonNode other : users) {
                    Map<String, Object> labels = JSON.convertValue(
                            other.path("spec").path("template").path("metadata").path("labels"), Map.class);
                    assertTrue(
                            labels.entrySet().containsAll(selector.entrySet()),
                            name(w) + "'s affinity misses " + name(other));
                }
            }
        }
    }

    /** The default probe timeout (1 s) fails a busy JVM's health check and restarts it. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void probesAllowMoreThanASecondAndModelServicesHaveLiveness(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode d : m.all("Deployment")) {
            JsonNode c = RenderedManifests.container(d);
            assertTrue(c.has("livenessProbe"), name(d) + " has no liveness probe");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertTrue(c.path(probe).path("timeoutSeconds").asInt(1) > 1, overlay + ": " + name(d) + " " + probe);
            }
        }
    }

    /** Scale-up one replica at a time, scale-down slowly, and thresholds from this overlay's batch sizes. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void scalingFollowsEachOverlaysBatchSizeWithoutThrashing(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode so : m.all("ScaledObject")) {
            JsonNode behavior = so.path("spec")
                    .path("advanced")
                    .path("horizontalPodAutoscalerConfig")
                    .path("behavior");
            assertEquals(
                    "Pods",
                    behavior.path("scaleUp")
                            .path("policies")
                            .path(0)
                            .path("type")
                            .asText(),
                    name(so));
            assertEquals(
                    1,
                    behavior.path("scaleUp")
                            .path("policies")
                            .path(0)
                            .path("value")
                            .asInt(),
                    name(so));
            assertTrue(
                    behavior.path("scaleDown")
                                    .path("stabilizationWindowSeconds")
                                    .asInt()
                            >= 600,
                    name(so));
            Map<String, String> env = m.environment(m.one(
                    "Deployment",
                    so.path("spec").path("scaleTargetRef").path("name").asText()));
            JsonNode first = so.path("spec").path("triggers").path(0).path("metadata");
            String batch = first.path("topic").asText().startsWith("vlm.work")
                    ? env.get("FUSION_MAX_BATCH")
                    : env.get("VISION_MAX_BATCH");
            assertEquals(
                    batch,
                    first.path("lagThreshold").asText(),
                    overlay + ": " + name(so) + " scales at one replica's batch");
        }
    }

    /** No pod talks to the Kubernetes API; the gateway leaves the Service before it stops. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void podsCarryNoApiTokenAndTheGatewayDrainsBeforeStopping(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode w : m.workloads()) {
            assertFalse(pod(w).path("automountServiceAccountToken").asBoolean(true), overlay + ": " + name(w));
        }
        JsonNode gateway = m.one("Deployment", "gateway");
        int sleep = RenderedManifests.container(gateway)
                .path("lifecycle")
                .path("preStop")
                .path("sleep")
                .path("seconds")
                .asInt();
        assertTrue(sleep >= 5, "preStop sleep while the endpoints drop the pod");
        assertTrue(
                pod(gateway).path("terminationGracePeriodSeconds").asInt() > sleep + 20, "time left to stop after it");
    }

    /**
     * Brokers keep each image and feature tensor (1.18 MB for CLIP ViT-L/14-336 in float16) as long as its topic's
     * retention, times the replication: long enough for the longest deadline and the join window, and no longer than an
     * hour (a day for bulk work, which may wait behind interactive traffic; the join's changelog is deleted a minute
     * past the window: JoinTopology).
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void topicsKeepRequestsPastTheirDeadlineAndTheJoinWindowButTensorsNoLongerThanAnHour(String overlay)
            throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        long deadline = Long.parseLong(
                m.environment(m.one("Deployment", "gateway")).getOrDefault("GATEWAY_DEADLINE_MS", "120000"));
        long window = Long.parseLong(
                m.environment(m.one("Deployment", "fusion-llm")).getOrDefault("FUSION_JOIN_WINDOW_MS", "120000"));
        for (JsonNode topic : m.all("KafkaTopic")) {
            String name = topic.path("spec").path("topicName").asText(name(topic));
            long retention =
                    topic.path("spec").path("config").path("retention.ms").asLong();
            assertTrue(retention >= deadline + window, overlay + ": " + name + " keeps " + retention + " ms");
            if (name.startsWith("vlm.work.bulk")) { // a bulk job may wait behind interactive work: a day, no more
                assertTrue(retention <= 86_400_000, overlay + ": " + name + " keeps bulk tensors " + retention + " ms");
            } else if (name.startsWith("vlm.images")
                    || name.startsWith("vlm.features")
                    || name.startsWith("vlm.work")) {
                assertTrue(
                        retention <= 3_600_000,
                        overlay + ": " + name + " keeps images or tensors " + retention + " ms");
            }
        }
    }

    /**
     * The JVM heap is sized per Deployment: a model service's memory is mostly native (weights, KV cache, libtorch,
     * RocksDB), so its heap may take at most half the limit; the gateway, nearly all heap, three quarters.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theHeapLeavesTheNativeSideItsMemory(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode d : m.all("Deployment")) {
            String options = m.environment(d).getOrDefault("JAVA_TOOL_OPTIONS", "");
            java.util.regex.Matcher xmx =
                    java.util.regex.Pattern.compile("-Xmx(\\d+)([mg])").matcher(options);
            assertTrue(xmx.find(), overlay + ": " + name(d) + " sets no -Xmx in JAVA_TOOL_OPTIONS");
            long heap = Long.parseLong(xmx.group(1)) << (xmx.group(2).equals("g") ? 30 : 20);
            long limit = bytes(RenderedManifests.container(d)
                    .path("resources")
                    .path("limits")
                    .path("memory")
                    .asText());
            double share = name(d).equals("gateway") ? 0.75 : 0.5;
            assertTrue(heap <= limit * share, overlay + ": " + name(d) + " heap " + heap + " of a " + limit + " limit");
        }
    }

    private static long bytes(String quantity) {
        java.util.regex.Matcher q =
                java.util.regex.Pattern.compile("(\\d+)(Mi|Gi)").matcher(quantity);
        assertTrue(q.matches(), quantity);
        return Long.parseLong(q.group(1)) << (q.group(2).equals("Gi") ? 30 : 20);
    }

    /**
     * Model pods wait for the model job's completion marker (not crash-loop on a half-written volume); the job writes
     * it last, skips its work when it is there, and goes away after it ends (its template cannot change on re-apply).
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void modelPodsWaitForTheModelJobWhichCanRunAgain(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        java.util.Set<String> markers = new java.util.HashSet<>(); // what each model job writes last
        for (JsonNode job : m.all("Job")) {
            String script = RenderedManifests.container(job).path("args").toString();
            java.util.regex.Matcher touch = java.util.regex.Pattern.compile("touch (/models[^ \\\\\"]*/COMPLETE)")
                    .matcher(script);
            assertTrue(touch.find(), name(job) + " marks its end: " + script);
            String marker = touch.group(1);
            assertTrue(script.contains("if [ -f " + marker + " ]"), name(job) + " exits when " + marker + " exists");
            markers.add(marker);
            assertFalse(
                    script.matches(".*pip install[^\\n]*(>=|\"[a-z_]+\")[^\\n]*"), "unpinned pip install: " + script);
            assertTrue(job.path("spec").path("ttlSecondsAfterFinished").asInt() > 0, name(job));
        }
        for (JsonNode d : m.all("Deployment")) {
            boolean mountsModels = false;
            for (JsonNode v : pod(d).path("volumes")) {
                mountsModels |= v.path("persistentVolumeClaim")
                        .path("claimName")
                        .asText()
                        .equals("models");
            }
            if (mountsModels) {
                // the job that writes its model directories: the deepest marker whose folder holds all of them
                List<String> dirs = m.environment(d).entrySet().stream()
                        .filter(e -> e.getKey().endsWith("_DIR") && e.getValue().startsWith("/models/"))
                        .map(Map.Entry::getValue)
                        .toList();
                String marker = markers.stream()
                        .filter(k -> dirs.stream().allMatch(dir -> dir.startsWith(k.replace("COMPLETE", ""))))
                        .max(java.util.Comparator.comparingInt(String::length))
                        .orElse("none of " + markers);
                String wait =
                        pod(d).path("initContainers").path(0).path("command").toString();
                assertTrue(
                        !dirs.isEmpty() && wait.contains("[ -f " + marker + " ]"),
                        overlay + ": " + name(d) + " (reading " + dirs + ") starts before its models are written: it"
                                + " waits " + wait + ", its job writes " + marker);
            }
        }
    }

    /** kube-prometheus-stack selects monitors by label; replicas spread over nodes, with a priority of their own. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void monitorsAreSelectedAndReplicasSpread(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (String kind : List.of("ServiceMonitor", "PodMonitor", "PrometheusRule")) {
            for (JsonNode o : m.all(kind)) {
                assertFalse(
                        o.path("metadata")
                                .path("labels")
                                .path("release")
                                .asText()
                                .isEmpty(),
                        overlay + ": " + name(o));
            }
        }
        for (JsonNode d : m.all("Deployment")) {
            assertEquals(
                    "kubernetes.io/hostname",
                    pod(d).path("topologySpreadConstraints")
                            .path(0)
                            .path("topologyKey")
                            .asText(),
                    overlay + ": " + name(d));
            m.one(
                    "PriorityClass",
                    pod(d).path("priorityClassName").asText("none")); // a serving pod goes before batch work
        }
    }

    /** A renewed certificate reaches the Kafka clients only through a restart: every Secret a pod mounts rolls it. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void podsRollWhenTheirKafkaCertificatesAreRenewed(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode d : m.all("Deployment")) {
            List<String> reload = List.of(d.path("metadata")
                    .path("annotations")
                    .path("secret.reloader.stakater.com/reload")
                    .asText()
                    .split(","));
            for (JsonNode v : pod(d).path("volumes")) {
                String secret = v.path("secret").path("secretName").asText();
                if (!secret.isEmpty() && !secret.equals("gateway-api-keys")) {
                    assertTrue(reload.contains(secret), overlay + ": " + name(d) + " keeps an old " + secret);
                }
            }
        }
    }

    /** Prometheus and KEDA run where each cluster puts them: peers are chosen by pod labels, not namespace names. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void networkPeersNameNoNamespace(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        List<JsonNode> peers = new ArrayList<>();
        for (JsonNode np : m.all("NetworkPolicy")) {
            for (String dir : List.of("ingress", "egress")) {
                for (JsonNode rule : np.path("spec").path(dir)) {
                    rule.path("from").forEach(peers::add);
                    rule.path("to").forEach(peers::add);
                }
            }
        }
        for (JsonNode l : m.all("Kafka").get(0).path("spec").path("kafka").path("listeners")) {
            l.path("networkPolicyPeers").forEach(peers::add);
        }
        assertFalse(peers.isEmpty());
        for (JsonNode peer : peers) {
            assertFalse(
                    peer.path("namespaceSelector").path("matchLabels").has("kubernetes.io/metadata.name"),
                    overlay + ": a peer names a namespace: " + peer);
        }
    }

    /**
     * A pod writing past its ephemeral-storage request is evicted first when a node's disk fills: ask for the emptyDirs
     * (and its logs), not more.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void podsRequestTheLocalDiskTheirVolumesMayFill(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode w : m.workloads()) {
            long volumes = 0;
            for (JsonNode v : pod(w).path("volumes")) {
                if (v.has("emptyDir")) {
                    volumes += bytes(v.path("emptyDir").path("sizeLimit").asText("0Mi"));
                }
            }
            JsonNode resources = RenderedManifests.container(w).path("resources");
            long request =
                    bytes(resources.path("requests").path("ephemeral-storage").asText("0Mi"));
            assertTrue(request >= volumes, overlay + ": " + name(w) + " requests " + request + " for " + volumes);
            // no more than its logs besides: an over-request keeps pods off nodes that could run them
            assertTrue(
                    request <= volumes + (512L << 20),
                    overlay + ": " + name(w) + " requests " + request + " for " + volumes);
            assertTrue(bytes(resources.path("limits").path("ephemeral-storage").asText("0Mi")) >= request, name(w));
        }
    }

    /** Brokers: sized (heap well inside the limit, the page cache gets the rest), one per node, replicas across zones. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void brokersAreSizedSpreadAndRackAware(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        assertEquals(
                "topology.kubernetes.io/zone",
                m.all("Kafka")
                        .get(0)
                        .path("spec")
                        .path("kafka")
                        .path("rack")
                        .path("topologyKey")
                        .asText());
        for (JsonNode pool : m.all("KafkaNodePool")) {
            long limit = bytes(pool.path("spec")
                    .path("resources")
                    .path("limits")
                    .path("memory")
                    .asText());
            String xmx = pool.path("spec").path("jvmOptions").path("-Xmx").asText();
            long heap = Long.parseLong(xmx.substring(0, xmx.length() - 1)) << (xmx.endsWith("g") ? 30 : 20);
            assertTrue(heap <= limit / 2, overlay + ": broker heap " + xmx + " of " + limit);
            JsonNode anti = pool.path("spec")
                    .path("template")
                    .path("pod")
                    .path("affinity")
                    .path("podAntiAffinity");
            String spread = anti.path("requiredDuringSchedulingIgnoredDuringExecution")
                    .path(0)
                    .path("topologyKey")
                    .asText(anti.path("preferredDuringSchedulingIgnoredDuringExecution")
                            .path(0)
                            .path("podAffinityTerm")
                            .path("topologyKey")
                            .asText());
            assertEquals("kubernetes.io/hostname", spread, overlay + ": brokers may share a node");
        }
    }

    /**
     * libtorch is unpacked into the model images at build time (DJL loads it from PYTORCH_LIBRARY_PATH and writes only
     * its 4 MB JNI library into its cache; measured with bin/inverse-llava generate), so the pods' DJL cache is small.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void libtorchComesWithTheImageNotUnpackedAtEveryStart(String overlay) throws Exception {
        for (String module : List.of("vision-encoder-svc", "fusion-llm-svc")) {
            String dockerfile =
                    java.nio.file.Files.readString(java.nio.file.Path.of("..", module, "src/main/docker/Dockerfile"));
            assertTrue(
                    dockerfile.contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib")
                            && dockerfile.contains("-d /opt/libtorch/lib"),
                    module + " unpacks libtorch at start");
        }
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode d : m.all("Deployment")) {
            for (JsonNode v : pod(d).path("volumes")) {
                if (v.path("name").asText().equals("djl-cache")) {
                    assertTrue(bytes(v.path("emptyDir").path("sizeLimit").asText()) <= 512L << 20, name(d));
                }
            }
        }
    }
}
