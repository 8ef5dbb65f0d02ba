package org.invllava.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services as {@code overlays/cpu} deploys them, each configured by its Deployment's own environment (group ids,
 * application id, model topics) and connecting as the {@code KafkaUser} whose secret it mounts, against a broker that
 * authenticates every client and authorizes it with exactly the ACLs the rendered {@code KafkaUser}s grant (KRaft's
 * {@code StandardAuthorizer}, as Strimzi's {@code simple} authorization): the gateway reports ready, an answer streams
 * in full, and a fusion LLM that takes over a request from one that died continues after the last chunk written
 * instead of generating the answer again. Without the gateway's Describe on the model services' groups it never
 * reports ready; without the fusion LLM's Read on {@code vlm.tokens} the takeover regenerates the whole answer.
 */
class KafkaAclsDeploymentTest {
    /**
     * Long enough that the first fusion LLM is still generating when it is killed: the client reads behind it, and one
     * that had finished (120 tokens on a busy CI machine) committed the request, which the new owner then never sees.
     */
    private static final int MAX_TOKENS = 400;
    /** The streamed event after which the first fusion LLM is killed. */
    private static final int KILL_AT = 10;

    private static final String KEY = "acl-test-key";
    private static final Duration START = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    /** A counter of a service's {@code /q/metrics} (0 when it has no such series yet). */
    private static long counter(AppProcess service, String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*} (\\d+)")
                .matcher(service.get("/q/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void servicesWithTheirKafkaUsersAclsGetReadyAnswerAndTakeOverWithoutRegenerating() throws Exception {
        RenderedManifests m = RenderedManifests.of("cpu");
        Map<String, String> passwords = new TreeMap<>();
        m.all("KafkaUser").forEach(u -> passwords.put(KafkaUserAcls.user(u), KafkaUserAcls.user(u) + "-password"));
        ModelPaths model = DemoModelFactory.writeRandomDemo(dir.resolve("model"));
        Map<String, String> modelDirs = Map.of(
                "VISION_MODEL_DIR",
                model.vision().toString(),
                "LANGUAGE_MODEL_DIR",
                model.language().toString(),
                "FUSION_CHECKPOINT_DIR",
                model.fusion().toString());
        try (KraftBroker broker =
                KraftBroker.startWithAcls(dir.resolve("broker"), "127.0.0.1", Topics.MAX_MESSAGE_BYTES, passwords)) {
            Map<String, Object> admin =
                    new HashMap<>(KraftBroker.clientSecurity(KraftBroker.SUPER_USER, KraftBroker.SUPER_PASSWORD));
            admin.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin a = Admin.create(admin)) {
                createTopicsAsStrimzi(a, m);
                a.createAcls(acls(m)).all().get();
            }
            Map<String, String> vision = environment(m, "vision-encoder", broker, passwords);
            vision.putAll(modelDirs);
            Map<String, String> fusion = environment(m, "fusion-llm", broker, passwords);
            fusion.putAll(modelDirs);
            Map<String, String> gateway = environment(m, "gateway", broker, passwords);
            gateway.remove("GATEWAY_API_KEYS_FILE");

            int port = AppProcess.freePort();
            gateway.putAll(Map.of(
                    "GATEWAY_API_KEYS",
                    KEY,
                    "GATEWAY_HOST",
                    "127.0.0.1",
                    "GATEWAY_PORT",
                    Integer.toString(port),
                    "GATEWAY_INSTANCE_ID",
                    "gw-acl",
                    "GATEWAY_CAPACITY_POLL_MS",
                    "200"));
            Map<String, String> secondFusion = new HashMap<>(fusion);
            secondFusion.put("FUSION_STATE_DIR", dir.resolve("streams-2").toString());
            Path logs = dir.resolve("logs");
            try (AppProcess v = AppProcess.of(PackagedApp.VISION, "vision", vision, logs)
                            .start();
                    AppProcess first = AppProcess.of(PackagedApp.FUSION, "fusion-1", fusion, logs)
                            .start();
                    AppProcess second = AppProcess.of(PackagedApp.FUSION, "fusion-2", secondFusion, logs);
                    AppProcess g = AppProcess.of(PackagedApp.GATEWAY, "gateway", gateway, logs)
                            .start()) {
                v.awaitReady(START);
                first.awaitReady(START);
                g.awaitReady(
                        START); // the gateway sees the model services' groups (KafkaUser/gateway: Describe on them)

                OpenAiTestClient client = new OpenAiTestClient(port, KEY);
                byte[] png = DemoImages.png(90, 60, 2);
                OpenAiTestClient.Streamed undisturbed =
                        client.stream(OpenAiTestClient.chat("tell me a story", png, MAX_TOKENS), events -> true);
                assertTrue(undisturbed.done(), undisturbed.events().toString());
                assertEquals(MAX_TOKENS, counter(first, "fusion_generated_tokens_total"));

                AtomicBoolean killed = new AtomicBoolean();
                OpenAiTestClient.Streamed takenOver =
                        client.stream(OpenAiTestClient.chat("tell me a story", png, MAX_TOKENS), events -> {
                            if (events.size() == KILL_AT && killed.compareAndSet(false, true)) {
                                try {
                                    first.kill(); // kill -9: no drain
                                    second.startAndAwaitReady(START);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                            return true;
                        });
                assertTrue(killed.get(), "the answer ended before the kill");
                assertTrue(takenOver.done(), takenOver.events().toString());
                assertEquals(contents(undisturbed), contents(takenOver), "the taken-over answer, token by token");
                long resumed = counter(second, "fusion_resumed_tokens_total");
                assertTrue(
                        resumed >= KILL_AT - 1, // the first event has the role only
                        "the new owner continued after what was written (KafkaUser/fusion-llm: Read on "
                                + "vlm.tokens); it resumed after " + resumed
                                + " tokens; its log:\n" + takeoverLines(second));
                assertEquals(
                        MAX_TOKENS - resumed,
                        counter(second, "fusion_generated_tokens_total"),
                        "the new owner generated only what was not written");
            }
        }
    }

    /** What {@code fusion} logged about the requests it took: resumed, found complete, or unreadable. */
    private static String takeoverLines(AppProcess fusion) throws IOException {
        return String.join(
                "\n",
                Files.readAllLines(fusion.log()).stream()
                        .filter(l -> l.contains(" taken") || l.contains("cannot read") || l.contains("may not read"))
                        .toList());
    }

    /** Each streamed event's content (and finish reason) in order. */
    private static List<String> contents(OpenAiTestClient.Streamed s) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : s.events()) {
            JsonNode choice = e.path("choices").path(0);
            out.add(choice.path("delta").path("content").asText("") + "|"
                    + choice.path("finish_reason").asText(""));
        }
        return out;
    }

    /** The topics as Strimzi's topic operator creates them from the {@code KafkaTopic}s, on a one-broker cluster. */
    private static void createTopicsAsStrimzi(Admin admin, RenderedManifests m) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (JsonNode t : m.all("KafkaTopic")) {
            Map<String, String> config = new HashMap<>();
            t.path("spec")
                    .path("config")
                    .fields()
                    .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            config.remove("min.insync.replicas"); // one broker
            topics.add(new NewTopic(
                            t.path("spec")
                                    .path("topicName")
                                    .asText(t.path("metadata").path("name").asText()),
                            t.path("spec").path("partitions").asInt(),
                            (short) 1)
                    .configs(config));
        }
        admin.createTopics(topics).all().get();
    }

    private static List<AclBinding> acls(RenderedManifests m) {
        List<AclBinding> out = new ArrayList<>();
        m.all("KafkaUser").forEach(u -> out.addAll(KafkaUserAcls.of(u)));
        return out;
    }

    /**
     * The environment {@code deployment}'s container gets, with what only a cluster has replaced: the broker's address,
     * SASL as the {@code KafkaUser} whose secret the pod mounts instead of its certificate, no secrets.
     */
    private Map<String, String> environment(
            RenderedManifests m, String deployment, KraftBroker broker, Map<String, String> passwords) {
        JsonNode d = m.one("Deployment", deployment);
        List<String> users = new ArrayList<>();
        for (JsonNode v : d.path("spec").path("template").path("spec").path("volumes")) {
            String secret = v.path("secret").path("secretName").asText();
            if (passwords.containsKey(secret)) {
                users.add(secret);
            }
        }
        assertEquals(1, users.size(), deployment + " mounts one KafkaUser's secret: " + users);
        Map<String, String> env = new HashMap<>(m.environment(d));
        env.values().removeIf("<secret>"::equals);
        env.keySet().removeAll(List.of("PROBE_HOST", "PROBE_PORT")); // on the loopback, a free port
        env.put("TOPICS_REPLICATION", "1");
        env.keySet().removeIf(k -> k.startsWith("KAFKA_SSL_"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        Map<String, String> sasl = KraftBroker.clientSecurity(users.get(0), passwords.get(users.get(0)));
        env.put("KAFKA_SECURITY_PROTOCOL", sasl.get("security.protocol"));
        env.put("KAFKA_SASL_MECHANISM", sasl.get("sasl.mechanism"));
        env.put("KAFKA_SASL_JAAS_CONFIG", sasl.get("sasl.jaas.config"));
        if (env.containsKey("FUSION_STATE_DIR")) {
            env.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
        }
        return env;
    }
}
