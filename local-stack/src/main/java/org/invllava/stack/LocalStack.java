package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.fusion.svc.FusionLlmConfig;
import org.invllava.fusion.svc.FusionLlmService;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.server.GatewayServer;
import org.invllava.gateway.ServedModels;
import org.invllava.kafka.KafkaSettings;
import org.invllava.host.RunningService;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.demo.BundledDemoModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.Topics;
import org.invllava.vision.svc.VisionEncoderConfig;
import org.invllava.vision.svc.VisionEncoderStartup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one process: a Kafka broker (embedded KRaft unless {@code bootstrapServers} is given), the
 * topics, and for each served model a vision encoder and a fusion LLM on that model's topics, sharing the model's
 * loaded weights; then one or more gateways routing to every served model. The services talk only through Kafka,
 * exactly as when deployed apart.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    /**
     * What to start. {@code models} empty means the bundled demo model (generated, random weights); the first model
     * is the gateways' default; {@code limits} and {@code access} apply to every gateway; {@code orphanGrace}: how
     * long an answer whose client left goes on before it is cancelled (the time to resume it).
     */
    public record Options(List<ModelSource> models, LoadOptions load, String bootstrapServers, int port, int gateways,
                          GatewayConfig.Limits limits, GatewayConfig.Access access, Path workDir, Duration orphanGrace) {
        public Options {
            models = List.copyOf(models);
        }
    }

    /** One served model: its weights and the services on its topics. */
    private record Served(MultimodalModel model, ModelTopics topics, RunningService vision,
                          List<FusionLlmService> fusion) {
    }

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Map<String, Served> served = new LinkedHashMap<>();
    private final Metrics metrics = new Metrics();
    private final Options options;
    private KraftBroker kafka;
    private String bootstrap;
    private boolean demo;

    private LocalStack(Options options) {
        this.options = options;
    }

    public static LocalStack start(Options options) throws Exception {
        LocalStack stack = new LocalStack(options);
        try {
            stack.boot();
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void boot() throws Exception {
        org.invllava.kafka.local.KraftBroker.privateDirectory(options.workDir()); // prompts, images, answers: owner only
        if (options.bootstrapServers() == null) {
            kafka = KraftBroker.start(options.workDir().resolve("kafka"), "127.0.0.1", 0, Topics.MAX_MESSAGE_BYTES);
            started.add(kafka);
            bootstrap = kafka.bootstrapServers();
        } else {
            bootstrap = options.bootstrapServers();
        }
        List<ModelSource> sources = options.models().isEmpty() ? List.of(demoModel()) : options.models();
        List<String> ids = sources.stream().map(ModelSource::id).toList();
        TopicSetup.ensureDefaults(KafkaSettings.of(bootstrap, "topic-setup"), (short) (kafka != null ? 1 : -1), ids);
        for (ModelSource source : sources) {
            serve(source);
        }
        for (int i = 0; i < options.gateways(); i++) {
            GatewayConfig config = new GatewayConfig(KafkaSettings.of(bootstrap, "gateway-" + i), "gateway-" + i + "-"
                    + java.util.UUID.randomUUID().toString().substring(0, 8), "127.0.0.1", i == 0 ? options.port() : 0,
                    new ServedModels(ids), options.limits(), options.access(), connections(),
                    java.time.Duration.ZERO); // this process knows its services' readiness
            GatewayServer gateway = new GatewayServer(config, metrics, this::servicesReady);
            started.add(gateway);
            ports.add(gateway.start());
        }
    }

    /**
     * The defaults, with an idle timeout past the configured deadline (a silent answer must not be cut), answering
     * only for the loopback's names.
     */
    private GatewayConfig.Connections connections() {
        GatewayConfig.Connections d = GatewayConfig.Connections.defaults();
        java.time.Duration idle = options.limits().deadline().plusSeconds(60);
        return new GatewayConfig.Connections(d.maxConnections(), d.maxPerAddress(),
                idle.compareTo(d.idleTimeout()) > 0 ? idle : d.idleTimeout(), d.firstMessageTimeout(), List.of(),
                List.of("127.0.0.1", "localhost", "[::1]")); // on the loopback: no DNS-rebound name
    }

    /** The bundled demo model, written once into the work directory. */
    private ModelSource demoModel() throws Exception {
        demo = true;
        return new ModelSource.InverseLlava(BundledDemoModel.in(options.workDir().resolve("demo-model")));
    }

    /** Loads {@code source} and starts its vision encoder and first fusion LLM instance on its topics. */
    private void serve(ModelSource source) throws Exception {
        if (served.containsKey(source.id())) {
            throw new IllegalArgumentException("model " + source.id() + " is given twice");
        }
        MultimodalModel model = source.load(options.load());
        started.add(model);
        ModelTopics topics = ModelTopics.of(source.id());
        RunningService vision = VisionEncoderStartup.run(VisionEncoderConfig.defaults(
                KafkaSettings.of(bootstrap, "vision-encoder" + topics.groupSuffix()), topics), model.vision(),
                VisionEncoderStartup.encoderId(source), metrics, Tracing.off());
        started.add(vision);
        served.put(source.id(), new Served(model, topics, vision, new ArrayList<>()));
        addFusionInstance(source.id());
        LOG.info("serving {} (topics {}, {}, {}, {})", source.id(), topics.images(), topics.prompts(), topics.features(),
                topics.work());
    }

    /** Every model's vision encoder is consuming and at least one of its fusion LLM instances runs. */
    public boolean servicesReady() {
        return !served.isEmpty() && served.values().stream().allMatch(s -> s.vision().ready()
                && s.fusion().stream().anyMatch(FusionLlmService::isRunning));
    }

    /** Starts one more fusion LLM instance of the default model in the same groups (scale-out, or a takeover). */
    public FusionLlmService addFusionInstance() throws Exception {
        return addFusionInstance(defaultModelId());
    }

    /** Starts one more fusion LLM instance of {@code modelId} in its groups. */
    public FusionLlmService addFusionInstance(String modelId) throws Exception {
        Served s = served(modelId);
        String name = "fusion-llm" + s.topics().groupSuffix() + "-" + s.fusion().size();
        Path state = options.workDir().resolve("streams-state" + s.topics().groupSuffix() + "-" + s.fusion().size());
        FusionLlmConfig config = FusionLlmConfig.defaults(KafkaSettings.of(bootstrap, name), state.toString(), s.topics())
                .withOrphanGrace(options.orphanGrace());
        FusionLlmService service = new FusionLlmService(config, s.model(), metrics);
        service.start();
        s.fusion().add(service);
        started.add(service);
        return service;
    }

    /** The default model's fusion LLM instances. */
    public List<FusionLlmService> fusionInstances() {
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

    /** The default model. */
    public MultimodalModel model() {
        return model(defaultModelId());
    }

    public MultimodalModel model(String modelId) {
        return served(modelId).model();
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", started.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
    }
}
