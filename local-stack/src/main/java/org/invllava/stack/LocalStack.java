package org.invllava.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.runtime.demo.BundledDemoModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole stack on one machine: a Kafka broker (embedded KRaft unless {@code bootstrapServers} is given), the
 * topics, and for each served model its vision encoder and fusion LLM, then one or more gateways routing to every
 * served model. Each service is its packaged Quarkus app ({@link PackagedApp}), a process of its own configured by
 * environment variables, started exactly as the container images start them; they talk only through Kafka.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    /**
     * What to start. {@code models} empty means the bundled demo model; the first model is the gateways' default;
     * {@code serviceVariables} go to every model service ({@code MODEL_DTYPE}, {@code MODEL_WEIGHTS}, ...) and
     * {@code gatewayVariables} to every gateway (limits, keys: {@code GATEWAY_*}); {@code orphanGrace}: how long an
     * answer whose client left goes on before it is cancelled (the time to resume it; null: the fusion LLM's default).
     */
    public record Options(
            List<ModelSource> models,
            Map<String, String> serviceVariables,
            String bootstrapServers,
            int port,
            int gateways,
            Map<String, String> gatewayVariables,
            Path workDir,
            Duration orphanGrace) {
        public Options {
            models = List.copyOf(models);
            serviceVariables = Map.copyOf(serviceVariables);
            gatewayVariables = Map.copyOf(gatewayVariables);
        }
    }

    /** One served model: where its weights are, its topics, and its services' processes. */
    private record Served(ModelSource source, ModelTopics topics, AppProcess vision, List<AppProcess> fusion) {}

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Map<String, Served> served = new LinkedHashMap<>();
    private final Map<String, MultimodalModel> loaded = new HashMap<>();
    private final Options options;
    private String bootstrap;
    private boolean demo;

    private LocalStack(Options options) {
        this.options = options;
    }

    public static LocalStack start(Options options) throws Exception {
        LocalStack stack = new LocalStack(options);
        try {
            stack.boot();
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /**
     * The services' JVMs start while the embedded broker does (on a port chosen first): their start-up (Quarkus,
     * libtorch) and the broker's overlap; each service waits for Kafka as it would in a cluster.
     */
    private void boot() throws Exception {
        KraftBroker.privateDirectory(options.workDir()); // prompts, images, answers: owner only
        int brokerPort = options.bootstrapServers() == null ? AppProcess.freePort() : -1;
        bootstrap = options.bootstrapServers() != null ? options.bootstrapServers() : "127.0.0.1:" + brokerPort;
        List<ModelSource> sources = options.models().isEmpty() ? List.of(demoModel()) : options.models();
        List<String> ids = sources.stream().map(ModelSource::id).toList();
        List<AppProcess> starting = new ArrayList<>();
        for (ModelSource source : sources) {
            starting.addAll(serve(source));
        }
        for (int i = 0; i < options.gateways(); i++) {
            starting.add(start(gateway(i, ids)));
        }
        if (options.bootstrapServers() == null) {
            started.add(
                    0,
                    KraftBroker.start( // stopped after the services
                            options.workDir().resolve("kafka"), "127.0.0.1", brokerPort, Topics.MAX_MESSAGE_BYTES));
        }
        TopicSetup.ensureDefaults(KafkaSettings.of(bootstrap, "topic-setup"), replication(), ids);
        for (AppProcess p : starting) { // the gateways are ready once they see the services
            p.awaitReady(START_TIMEOUT);
        }
        LOG.info("stack ready: gateways on {}, logs in {}", ports, logs());
    }

    /** Replication of the topics the stack creates: 1 on its own broker, the cluster's default on another. */
    private short replication() {
        return (short) (options.bootstrapServers() == null ? 1 : -1);
    }

    private Path logs() {
        return options.workDir().resolve("logs");
    }

    /** The bundled demo model, written once into the work directory. */
    private ModelSource demoModel() throws Exception {
        demo = true;
        return new ModelSource.InverseLlava(
                BundledDemoModel.in(options.workDir().resolve("demo-model")));
    }

    /** What every service of this stack is given: the broker, and the topic replication. */
    private Map<String, String> common() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "TOPICS_REPLICATION", Short.toString(replication()));
    }

    /** Starts the vision encoder and a first fusion LLM of {@code source}, on its topics. */
    private List<AppProcess> serve(ModelSource source) throws Exception {
        if (served.containsKey(source.id())) {
            throw new IllegalArgumentException("model " + source.id() + " is given twice");
        }
        ModelTopics topics = ModelTopics.of(source.id());
        AppProcess vision = start(AppProcess.of(
                PackagedApp.VISION, "vision-encoder" + topics.groupSuffix(), modelService(source), logs()));
        served.put(source.id(), new Served(source, topics, vision, new ArrayList<>()));
        LOG.info(
                "serving {} (topics {}, {}, {}, {})",
                source.id(),
                topics.images(),
                topics.prompts(),
                topics.features(),
                topics.work());
        return List.of(vision, startFusion(source.id()));
    }

    private Map<String, String> modelService(ModelSource source) {
        Map<String, String> env = new HashMap<>(common());
        env.putAll(options.serviceVariables());
        env.putAll(source.variables());
        env.put("MODEL_ID", source.id());
        return env;
    }

    private AppProcess gateway(int i, List<String> ids) {
        int port = i == 0 && options.port() != 0 ? options.port() : AppProcess.freePort();
        Map<String, String> env = new HashMap<>(common());
        env.putAll(Map.of(
                "GATEWAY_HOST",
                "127.0.0.1",
                "GATEWAY_PORT",
                Integer.toString(port),
                "GATEWAY_INSTANCE_ID",
                "gateway-" + i + "-" + UUID.randomUUID().toString().substring(0, 8),
                "GATEWAY_MODELS",
                String.join(",", ids),
                "GATEWAY_ALLOWED_HOSTS",
                "127.0.0.1,localhost,[::1]")); // on the loopback: no DNS-rebound name
        env.putAll(options.gatewayVariables());
        env.putIfAbsent("GATEWAY_IDLE_TIMEOUT_MS", idleTimeout(env)); // a silent answer must not be cut
        ports.add(port);
        return AppProcess.of(PackagedApp.GATEWAY, "gateway-" + i, env, logs());
    }

    /** Past the deadline (the default is 2 minutes): a non-streamed answer is silent until it is complete. */
    private static String idleTimeout(Map<String, String> env) {
        long deadline = Long.parseLong(env.getOrDefault("GATEWAY_DEADLINE_MS", "120000"));
        return Long.toString(Math.max(Duration.ofMinutes(3).toMillis(), deadline + 60_000));
    }

    private AppProcess start(AppProcess p) throws Exception {
        started.add(p);
        return p.start();
    }

    /** Starts one more fusion LLM instance of the default model in the same groups (scale-out, or a takeover). */
    public AppProcess addFusionInstance() throws Exception {
        AppProcess p = startFusion(defaultModelId());
        p.awaitReady(START_TIMEOUT);
        return p;
    }

    /** Starts one more fusion LLM instance of {@code modelId} in its groups (its own Streams state). */
    private AppProcess startFusion(String modelId) throws Exception {
        Served s = served(modelId);
        String name = "fusion-llm" + s.topics().groupSuffix() + "-" + s.fusion().size();
        Map<String, String> env = new HashMap<>(modelService(s.source()));
        env.put(
                "FUSION_STATE_DIR",
                options.workDir()
                        .resolve("streams-state" + s.topics().groupSuffix() + "-"
                                + s.fusion().size())
                        .toString());
        if (options.orphanGrace() != null) {
            env.put(
                    "FUSION_ORPHAN_GRACE_MS",
                    Long.toString(options.orphanGrace().toMillis()));
        }
        AppProcess p = start(AppProcess.of(PackagedApp.FUSION, name, env, logs()));
        s.fusion().add(p);
        return p;
    }

    /** The default model's fusion LLM instances (processes: {@link AppProcess#kill} is {@code kill -9}). */
    public List<AppProcess> fusionInstances() {
        return List.copyOf(served(defaultModelId()).fusion());
    }

    private Served served(String modelId) {
        Served s = served.get(modelId);
        if (s == null) {
            throw new IllegalArgumentException("model " + modelId + " is not served here (" + served.keySet() + ")");
        }
        return s;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Ports of the gateways, first one first. */
    public List<Integer> gatewayPorts() {
        return List.copyOf(ports);
    }

    /** The services' processes, each with its management port ({@code /q/health/*}, {@code /q/metrics}) and log. */
    public List<AppProcess> processes() {
        return started.stream()
                .filter(AppProcess.class::isInstance)
                .map(AppProcess.class::cast)
                .toList();
    }

    public boolean usesDemoModel() {
        return demo;
    }

    /** The served model ids, the default first. */
    public List<String> modelIds() {
        return List.copyOf(served.keySet());
    }

    private String defaultModelId() {
        return served.keySet().iterator().next();
    }

    /** The default model, loaded in this process (for comparisons with what the services answer). */
    public MultimodalModel model() {
        return model(defaultModelId());
    }

    /** {@code modelId}'s model loaded in this process (once, default options), for comparisons. */
    public synchronized MultimodalModel model(String modelId) {
        return loaded.computeIfAbsent(modelId, id -> {
            MultimodalModel m = served(id).source().load(LoadOptions.defaults());
            started.add(0, m); // closed last
            return m;
        });
    }

    @Override
    public void close() {
        processes().forEach(AppProcess::terminate); // all stop at once; each is waited for below
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.warn(
                        "error while stopping {}: {}", started.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
    }
}
