package org.invllava.k8s;

import static org.invllava.k8s.RenderedManifests.name;
import static org.invllava.k8s.RenderedManifests.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclBinding;
import org.invllava.schemas.ModelTopics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Where the rendered objects land and what they select on a real cluster (issue "Kubernetes, round 3"): the stack's
 * namespace, network peers that match pods which exist, GPU pods that schedule on any provider and fit their GPU,
 * priorities, disruption budgets, pod security, images, the LLaVA component's ACLs.
 */
class ClusterPlacementTest {
    static final List<String> OVERLAYS = RenderedManifests.OVERLAYS;
    /** Kinds that have no namespace. */
    private static final Set<String> CLUSTER_SCOPED = Set.of(
            "Namespace",
            "PriorityClass",
            "StorageClass",
            "ClusterRole",
            "ClusterRoleBinding",
            "CustomResourceDefinition");

    /**
     * The labels the pods a policy may name carry on a real cluster, besides the stack's own (its pod templates):
     * Prometheus as prometheus-operator labels the pods of a {@code Prometheus} (kube-prometheus-stack's release
     * {@code kube-prometheus-stack}; pkg/prometheus/statefulset.go), KEDA's operator (the kedacore Helm chart),
     * CoreDNS (kube-system, kubeadm/GKE/EKS/AKS), and a Strimzi broker of this cluster's node pool (Strimzi 0.48).
     */
    static final Map<String, Map<String, String>> KNOWN_PODS = Map.of(
            "Prometheus",
                    Map.of(
                            "app.kubernetes.io/name",
                            "prometheus",
                            "app.kubernetes.io/instance",
                            "kube-prometheus-stack-prometheus",
                            "app.kubernetes.io/managed-by",
                            "prometheus-operator",
                            "prometheus",
                            "kube-prometheus-stack-prometheus",
                            "operator.prometheus.io/name",
                            "kube-prometheus-stack-prometheus",
                            "operator.prometheus.io/shard",
                            "0"),
            "KEDA operator",
                    Map.of(
                            "app",
                            "keda-operator",
                            "name",
                            "keda-operator",
                            "app.kubernetes.io/name",
                            "keda-operator",
                            "app.kubernetes.io/component",
                            "operator",
                            "app.kubernetes.io/part-of",
                            "keda-operator",
                            "app.kubernetes.io/instance",
                            "keda"),
            "CoreDNS", Map.of("k8s-app", "kube-dns"),
            "Kafka broker",
                    Map.of(
                            "strimzi.io/cluster",
                            "inverse-llava",
                            "strimzi.io/kind",
                            "Kafka",
                            "strimzi.io/name",
                            "inverse-llava-kafka",
                            "strimzi.io/pool-name",
                            "dual-role",
                            "strimzi.io/broker-role",
                            "true",
                            "strimzi.io/controller-role",
                            "true",
                            "app.kubernetes.io/name",
                            "kafka",
                            "app.kubernetes.io/instance",
                            "inverse-llava",
                            "app.kubernetes.io/managed-by",
                            "strimzi-cluster-operator"));

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyNamespacedObjectIsInTheStacksNamespace(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        List<String> elsewhere = new ArrayList<>();
        for (JsonNode o : m.objects) {
            String kind = o.path("kind").asText();
            if (!CLUSTER_SCOPED.contains(kind)
                    && !"inverse-llava"
                            .equals(o.path("metadata").path("namespace").asText())) {
                elsewhere.add(kind + "/" + name(o));
            }
        }
        assertEquals(List.of(), elsewhere, overlay + ": objects outside namespace inverse-llava");
    }

    /** A peer that matches no pod that exists silently allows nothing (Prometheus could not scrape the model services). */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void networkPeersSelectPodsThatExist(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        Map<String, Map<String, String>> pods = new HashMap<>(KNOWN_PODS);
        for (JsonNode w : m.workloads()) {
            pods.put(
                    name(w),
                    labels(w.path("spec").path("template").path("metadata").path("labels")));
        }
        List<JsonNode> selectors = new ArrayList<>();
        for (JsonNode np : m.all("NetworkPolicy")) {
            selectors.add(np.path("spec").path("podSelector"));
            for (String dir : List.of("ingress", "egress")) {
                for (JsonNode rule : np.path("spec").path(dir)) {
                    Stream.concat(stream(rule.path("from")), stream(rule.path("to")))
                            .filter(peer -> peer.has("podSelector"))
                            .forEach(peer -> selectors.add(peer.path("podSelector")));
                }
            }
        }
        for (JsonNode l : m.all("Kafka").get(0).path("spec").path("kafka").path("listeners")) {
            l.path("networkPolicyPeers").forEach(peer -> selectors.add(peer.path("podSelector")));
        }
        for (JsonNode selector : selectors) {
            Map<String, String> wanted = labels(selector.path("matchLabels"));
            assertTrue(
                    pods.values().stream().anyMatch(p -> p.entrySet().containsAll(wanted.entrySet())),
                    overlay + ": no pod carries " + wanted);
        }
    }

    /** Every ACL the base grants on Inverse-LLaVA's topics and groups is granted on LLaVA-1.5's where both are served. */
    @Test
    void kafkaUsersGrantTheSecondModelWhatTheyGrantTheFirst() throws Exception {
        RenderedManifests m = RenderedManifests.of("cpu-llava");
        ModelTopics first = ModelTopics.of(ModelTopics.PRIMARY);
        ModelTopics second = ModelTopics.of("llava-1.5");
        Map<String, String> counterpart = new HashMap<>();
        List<String> a = List.of(
                first.images(),
                first.prompts(),
                first.features(),
                first.work(),
                first.visionGroup(),
                first.workGroup(),
                first.joinApplication());
        List<String> b = List.of(
                second.images(),
                second.prompts(),
                second.features(),
                second.work(),
                second.visionGroup(),
                second.workGroup(),
                second.joinApplication());
        for (int i = 0; i < a.size(); i++) {
            counterpart.put(a.get(i), b.get(i));
        }
        for (JsonNode user : m.all("KafkaUser")) {
            List<AclBinding> acls = KafkaUserAcls.of(user);
            Set<String> granted = new TreeSet<>();
            acls.forEach(acl -> granted.add(acl.toString()));
            int compared = 0;
            for (AclBinding acl : acls) {
                String other = counterpart.get(acl.pattern().name());
                if (other != null
                        && acl.pattern().patternType() == org.apache.kafka.common.resource.PatternType.LITERAL) {
                    AclBinding expected = new AclBinding(
                            new org.apache.kafka.common.resource.ResourcePattern(
                                    acl.pattern().resourceType(),
                                    other,
                                    acl.pattern().patternType()),
                            acl.entry());
                    assertTrue(granted.contains(expected.toString()), KafkaUserAcls.user(user) + " lacks " + expected);
                    compared++;
                }
            }
            assertTrue(compared > 0, KafkaUserAcls.user(user));
        }
    }

    /**
     * GPU pods ask for {@code nvidia.com/gpu} (which alone selects GPU nodes on every provider) and require no node
     * label that only the GPU Operator sets.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void gpuPodsScheduleOnAnyProvidersGpuNodes(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        for (JsonNode d : m.all("Deployment")) {
            JsonNode pod = pod(d);
            pod.path("nodeSelector")
                    .fieldNames()
                    .forEachRemaining(label -> assertFalse(
                            label.startsWith("nvidia.com/"),
                            overlay + ": " + name(d) + " requires node label " + label));
            if (RenderedManifests.container(d).path("resources").path("limits").has("nvidia.com/gpu")) {
                assertTrue(
                        pod.path("tolerations").toString().contains("nvidia.com/gpu"),
                        name(d) + " tolerates GPU taints");
            }
        }
    }

    /**
     * A fusion LLM on a GPU fits the GPU memory its overlay is sized for: Vicuna-7B's float16 weights (6.74 B parameters),
     * its KV pool ({@code FUSION_KV_CACHE_TOKENS} positions of 2 · 32 layers · 32 heads · 128 · 2 bytes = 0.5 MiB)
     * and 3 GiB for the CUDA context, libtorch's workspace and a step's activations, within the memory the driver
     * reports for the class (an "80GB" card shows 79.2 GiB, a "24GB" one 22.0). The pool before: 65,536 positions,
     * 32 GiB, on no GPU below 48 GB.
     */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theKvPoolFitsTheGpuClassBesideTheWeights(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        JsonNode fusion = m.one("Deployment", "fusion-llm");
        if (!RenderedManifests.container(fusion)
                .path("resources")
                .path("limits")
                .has("nvidia.com/gpu")) {
            return;
        }
        String gpu = fusion.path("metadata")
                .path("annotations")
                .path("inverse-llava/gpu-memory")
                .asText();
        double usableGib = switch (gpu) {
            case "24GB" -> 22.0;
            case "40GB" -> 39.4;
            case "80GB" -> 79.2;
            default -> throw new AssertionError(overlay + ": fusion-llm names no known GPU class: '" + gpu + "'");
        };
        double weightsGib = 6.74e9 * 2 / (1L << 30);
        double perTokenGib = 2.0 * 32 * 32 * 128 * 2 / (1L << 30);
        int kvTokens = Integer.parseInt(m.environment(fusion).get("FUSION_KV_CACHE_TOKENS"));
        double total = weightsGib + kvTokens * perTokenGib + 3.0;
        assertTrue(total <= usableGib, overlay + ": " + String.format("%.1f", total) + " GiB on a " + gpu + " GPU");
        assertTrue(total >= usableGib * 0.6, overlay + ": a " + gpu + " GPU left mostly idle (" + total + " GiB)");
    }

    /** The clouds' default block storage cannot provision ReadWriteMany: such a claim names its class. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void aSharedVolumeNamesAStorageClassThatCanShareIt(String overlay) throws Exception {
        for (JsonNode pvc : RenderedManifests.of(overlay).all("PersistentVolumeClaim")) {
            if (pvc.path("spec").path("accessModes").toString().contains("ReadWriteMany")) {
                assertFalse(pvc.path("spec").path("storageClassName").asText().isEmpty(), overlay + ": " + name(pvc));
            }
        }
    }

    /** The serving priority preempts lower pods: every pod of the stack has it, so none preempts a broker or the job. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyPodOfTheStackSharesTheServingPriority(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        String serving = name(m.all("PriorityClass").get(0));
        List<JsonNode> templates = new ArrayList<>();
        m.workloads().forEach(w -> templates.add(pod(w)));
        m.all("KafkaNodePool")
                .forEach(p -> templates.add(p.path("spec").path("template").path("pod")));
        JsonNode kafka = m.all("Kafka").get(0).path("spec");
        templates.add(kafka.path("entityOperator").path("template").path("pod"));
        templates.add(kafka.path("kafkaExporter").path("template").path("pod"));
        for (JsonNode t : templates) {
            assertEquals(serving, t.path("priorityClassName").asText(), overlay + ": " + t);
        }
    }

    /** A voluntary disruption (drain) never removes a service's last ready pod, at the autoscaler's minimum. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void disruptionBudgetsKeepOnePodAtTheMinimumReplicaCount(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        Map<String, Integer> minimum = new HashMap<>();
        m.all("ScaledObject")
                .forEach(s -> minimum.put(
                        s.path("spec").path("scaleTargetRef").path("name").asText(),
                        s.path("spec").path("minReplicaCount").asInt(0)));
        m.all("HorizontalPodAutoscaler")
                .forEach(h -> minimum.put(
                        h.path("spec").path("scaleTargetRef").path("name").asText(),
                        h.path("spec").path("minReplicas").asInt(1)));
        for (JsonNode d : m.all("Deployment")) {
            Map<String, String> podLabels =
                    labels(d.path("spec").path("template").path("metadata").path("labels"));
            List<JsonNode> budgets = m.all("PodDisruptionBudget").stream()
                    .filter(p -> podLabels
                            .entrySet()
                            .containsAll(labels(p.path("spec").path("selector").path("matchLabels"))
                                    .entrySet()))
                    .toList();
            assertFalse(budgets.isEmpty(), overlay + ": no budget covers " + name(d));
            for (JsonNode p : budgets) {
                int replicas = minimum.getOrDefault(name(d), 1);
                JsonNode spec = p.path("spec");
                int kept = spec.has("minAvailable")
                        ? spec.path("minAvailable").asInt()
                        : replicas - spec.path("maxUnavailable").asInt();
                assertTrue(kept >= 1, overlay + ": " + name(p) + " lets a drain take every " + name(d) + " pod");
                assertEquals(
                        "AlwaysAllow",
                        spec.path("unhealthyPodEvictionPolicy").asText(),
                        name(p) + ": a pod that is not ready must not block a drain");
            }
        }
        for (JsonNode hpa : m.all("HorizontalPodAutoscaler")) {
            assertTrue(
                    hpa.path("spec")
                                    .path("behavior")
                                    .path("scaleDown")
                                    .path("stabilizationWindowSeconds")
                                    .asInt()
                            >= 300,
                    overlay + ": " + name(hpa) + " scales down on a dip");
        }
    }

    /** Pod Security Admission labels on the namespace, and the stack's own pods meet the restricted standard. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void theNamespaceEnforcesPodSecurityThatThePodsMeet(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        JsonNode ns = m.one("Namespace", "inverse-llava").path("metadata").path("labels");
        assertEquals("baseline", ns.path("pod-security.kubernetes.io/enforce").asText());
        assertEquals("restricted", ns.path("pod-security.kubernetes.io/warn").asText());
        for (JsonNode w : m.workloads()) {
            JsonNode pod = pod(w);
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), name(w));
            assertEquals(
                    "RuntimeDefault",
                    pod.path("securityContext")
                            .path("seccompProfile")
                            .path("type")
                            .asText(),
                    name(w));
            for (JsonNode c : (Iterable<JsonNode>)
                    () -> Stream.concat(stream(pod.path("containers")), stream(pod.path("initContainers")))
                            .iterator()) {
                JsonNode sc = c.path("securityContext");
                assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), name(w) + "/" + c.path("name"));
                assertEquals(
                        "[\"ALL\"]", sc.path("capabilities").path("drop").toString(), name(w) + "/" + c.path("name"));
            }
        }
    }

    /** Short image names are refused by CRI-O and Podman (short-name mode) and mean docker.io elsewhere: qualify them. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void imagesAreFullyQualified(String overlay) throws Exception {
        for (JsonNode w : RenderedManifests.of(overlay).workloads()) {
            JsonNode pod = pod(w);
            Stream.concat(stream(pod.path("containers")), stream(pod.path("initContainers")))
                    .forEach(c -> {
                        String registry = c.path("image").asText().split("/")[0];
                        assertTrue(
                                registry.contains(".") || registry.contains(":") || registry.equals("localhost"),
                                overlay + ": " + name(w) + " pulls "
                                        + c.path("image").asText());
                    });
        }
    }

    /** The alerts' and the dashboard's label regexes match every served model's consumer groups and Deployments. */
    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void alertsAndDashboardSeeEveryServedModel(String overlay) throws Exception {
        RenderedManifests m = RenderedManifests.of(overlay);
        StringBuilder queries = new StringBuilder();
        m.all("PrometheusRule").forEach(r -> queries.append(r.path("spec")));
        m.all("ConfigMap").forEach(c -> queries.append(c.path("data")));
        Map<String, List<String>> wanted = Map.of("consumergroup", new ArrayList<>(), "deployment", new ArrayList<>());
        for (JsonNode d : m.all("Deployment")) {
            wanted.get("deployment").add(name(d));
            Map<String, String> env = m.environment(d);
            for (String group : List.of("VISION_GROUP_ID", "FUSION_GROUP_ID", "FUSION_APPLICATION_ID")) {
                if (env.containsKey(group)) {
                    wanted.get("consumergroup").add(env.get(group));
                }
            }
        }
        int regexes = 0;
        for (var label : wanted.entrySet()) {
            java.util.regex.Matcher q = java.util.regex.Pattern.compile(
                            label.getKey() + "=~(?:\\\\)*\\\\?\"([^\"\\\\]+)")
                    .matcher(queries);
            while (q.find()) {
                regexes++;
                for (String value : label.getValue()) {
                    assertTrue(
                            value.matches(q.group(1)),
                            overlay + ": " + label.getKey() + "=~\"" + q.group(1) + "\" misses " + value);
                }
            }
        }
        assertTrue(regexes >= 4, overlay + ": " + regexes + " label regexes found");
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
