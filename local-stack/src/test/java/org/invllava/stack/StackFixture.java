package org.invllava.stack;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayVariables;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Starting a stack for a test class, test images, and what the model answers when called directly. */
final class StackFixture {
    static final int MAX_REQUEST_BYTES = 1 << 20;
    static final int MAX_IMAGE_BYTES = 200_000;
    static final long MAX_PIXELS = 1_000_000;
    /**
     * How long a test stack's answers go on after their client left: serve's default, so that an answer whose client
     * left (or resumes late on a loaded machine) is not cancelled while a test still reads it.
     */
    static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

    private StackFixture() {}

    /** Kafka containers started for {@code -Ptestcontainers}, stopped when the JVM exits. */
    private static KafkaContainer container;

    /**
     * A stack on the embedded broker, or with {@code -Dstack.kafka=testcontainers} (the {@code testcontainers}
     * profile) on an {@code apache/kafka} container, skipped when Docker is unavailable.
     */
    static LocalStack start(Path dir, List<ModelSource> models, int gateways) throws Exception {
        return start(dir, models, gateways, Map.of());
    }

    /**
     * Test limits: 1 MiB requests, {@value #MAX_IMAGE_BYTES}-byte images, {@value #MAX_PIXELS} pixels; {@code access}:
     * the gateways' access variables ({@link GatewayVariables#access}; none: open).
     */
    static LocalStack start(Path dir, List<ModelSource> models, int gateways, Map<String, String> access)
            throws Exception {
        if (models.isEmpty()) { // the demo shape with random weights: answers run to max_tokens, as these tests expect
            models =
                    List.of(new ModelSource.InverseLlava(DemoModelFactory.writeRandomDemo(dir.resolve("random-demo"))));
        }
        return startExactly(dir, models, gateways, access);
    }

    /** A stack serving {@code models} as given: none means the bundled (trained) demo model. */
    static LocalStack startExactly(Path dir, List<ModelSource> models, int gateways, Map<String, String> access)
            throws Exception {
        Map<String, String> gateway = new HashMap<>(GatewayVariables.of(new GatewayConfig.Limits(
                MAX_REQUEST_BYTES, MAX_IMAGE_BYTES, MAX_PIXELS, 8000, 2048, 64, Duration.ofSeconds(90), 64)));
        gateway.putAll(access);
        return LocalStack.start(
                new LocalStack.Options(models, Map.of(), externalKafka(), 0, gateways, gateway, dir, ORPHAN_GRACE));
    }

    private static synchronized String externalKafka() {
        if (!"testcontainers".equals(System.getProperty("stack.kafka"))) {
            return null;
        }
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        assumeTrue(
                docker, "no Docker engine: skipping the Testcontainers Kafka run (the embedded-broker run covers it)");
        if (container == null) {
            container = new KafkaContainer("apache/kafka:4.1.2")
                    .withEnv("KAFKA_MESSAGE_MAX_BYTES", String.valueOf(org.invllava.schemas.Topics.MAX_MESSAGE_BYTES));
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
        }
        return container.getBootstrapServers();
    }

    static byte[] png(int w, int h, long seed) {
        return DemoImages.png(w, h, seed);
    }

    /** Greedy ids of the model called in-process, without Kafka: what the pipeline must reproduce. */
    static int[] direct(MultimodalModel model, String question, byte[] image, int maxTokens) {
        return direct(model, model.chat().question(question, image != null), image, maxTokens)
                .tokenIds();
    }

    /** Greedy generation of a prompt's ids ({@code model.chat()}), in-process. */
    static GenerationResult direct(MultimodalModel model, int[] ids, byte[] image, int maxTokens) {
        List<PatchFeatures> f =
                image == null ? List.of() : model.encodeImages(List.of(new ImageDecoder(1L << 26).decode(image)));
        return new Generator(model).generate(ids, f, SamplingParams.greedy(maxTokens), (i, t, d) -> {});
    }
}
