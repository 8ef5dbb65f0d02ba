package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.fusion.svc.FusionLlmConfig;
import org.invllava.fusion.svc.FusionLlmService;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayServer;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.Topics;
import org.invllava.vision.svc.VisionEncoderConfig;
import org.invllava.vision.svc.VisionEncoderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one process: a Kafka broker (embedded KRaft unless {@code bootstrapServers} is given), the
 * topics, the vision encoder, the fusion LLM and one or more gateways, sharing one loaded model. The services
 * talk only through Kafka, exactly as when deployed apart.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    /**
     * What to start. {@code model} null means the bundled demo model (generated, random weights); {@code limits}
     * and {@code access} apply to every gateway.
     */
    public record Options(ModelPaths model, LoadOptions load, String bootstrapServers, int port, int gateways,
                          GatewayConfig.Limits limits, GatewayConfig.Access access, Path workDir) {
    }

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<FusionLlmService> fusion = new ArrayList<>();
    private final Metrics metrics = new Metrics();
    private VisionEncoderService vision;
    private final Options options;
    private EmbeddedKafka kafka;
    private String bootstrap;
    private InverseLlavaModel model;
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
        Files.createDirectories(options.workDir());
        if (options.bootstrapServers() == null) {
            kafka = EmbeddedKafka.start(options.workDir().resolve("kafka"), Topics.MAX_MESSAGE_BYTES);
            started.add(kafka);
            bootstrap = kafka.bootstrapServers();
        } else {
            bootstrap = options.bootstrapServers();
        }
        TopicSetup.ensureDefaults(bootstrap, (short) (kafka != null ? 1 : -1));
        ModelPaths paths = options.model();
        if (paths == null) {
            demo = true;
            Path dir = options.workDir().resolve("demo-model");
            paths = Files.isRegularFile(dir.resolve("inverse-llava/COMPLETE"))
                    ? new ModelPaths(dir.resolve("vision"), dir.resolve("language"), dir.resolve("inverse-llava"))
                    : new DemoModelFactory(ModelShape.tiny(), DType.F32, 7).write(dir);
        }
        model = InverseLlavaModel.load(paths, options.load());
        started.add(model);

        vision = new VisionEncoderService(
                VisionEncoderConfig.defaults(KafkaSettings.of(bootstrap, "vision-encoder")), model.vision(), encoderId(paths),
                metrics);
        startThread(vision, "vision-encoder");
        addFusionInstance();
        for (int i = 0; i < options.gateways(); i++) {
            GatewayConfig config = new GatewayConfig(KafkaSettings.of(bootstrap, "gateway-" + i), "gateway-" + i + "-"
                    + java.util.UUID.randomUUID().toString().substring(0, 8), "127.0.0.1", i == 0 ? options.port() : 0,
                    GatewayConfig.DEFAULT_MODEL_ID, options.limits(), options.access());
            GatewayServer gateway = new GatewayServer(config, metrics, this::servicesReady);
            started.add(gateway);
            ports.add(gateway.start());
        }
    }

    /** The vision encoder is consuming and at least one fusion LLM instance runs. */
    public boolean servicesReady() {
        return vision != null && vision.ready() && fusion.stream().anyMatch(FusionLlmService::isRunning);
    }

    /** Starts one more fusion LLM instance in the same groups (scale-out, or to take over after a kill). */
    public FusionLlmService addFusionInstance() throws Exception {
        Path state = options.workDir().resolve("streams-state-" + fusion.size());
        FusionLlmService service = new FusionLlmService(
                FusionLlmConfig.defaults(KafkaSettings.of(bootstrap, "fusion-llm-" + fusion.size()), state.toString()), model,
                metrics);
        service.start();
        fusion.add(service);
        started.add(service);
        return service;
    }

    public List<FusionLlmService> fusionInstances() {
        return List.copyOf(fusion);
    }

    /** Runs a service loop on its own thread; closing stops it and waits, so the model outlives every use. */
    private <S extends Runnable & AutoCloseable> void startThread(S service, String name) {
        Thread t = new Thread(service, name);
        t.setDaemon(true);
        t.start();
        started.add(() -> {
            service.close();
            t.join(30_000);
        });
    }

    private static String encoderId(ModelPaths paths) {
        return paths.vision().toAbsolutePath().normalize().getFileName() + "@" + Integer.toHexString(paths.vision().toAbsolutePath().hashCode());
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

    public InverseLlavaModel model() {
        return model;
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
