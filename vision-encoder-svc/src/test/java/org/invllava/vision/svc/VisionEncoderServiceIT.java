package org.invllava.vision.svc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.host.RunningService;
import org.invllava.host.config.ServiceConfig;
import org.invllava.kafka.FeatureCodec;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TensorDType;
import org.invllava.schemas.Topics;
import org.invllava.schemas.VisualFeatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vision encoder's packaged app (what the image runs) against a real broker and the real engine (generated tiny
 * model, no golden data needed), configured by its variables.
 */
class VisionEncoderServiceIT {
    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;
    static ModelPaths paths;
    static InverseLlavaModel model;
    static AppProcess service;
    static KafkaSettings settings;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES);
        settings = KafkaSettings.of(kafka.bootstrapServers(), "test");
        TopicSetup.ensureDefaults(kafka.bootstrapServers(), (short) 1);
        paths = new DemoModelFactory(ModelShape.tiny(), DType.F32, 5).write(dir.resolve("model"));
        model = InverseLlavaModel.load(paths, LoadOptions.defaults());
        Map<String, String> env = variables(ModelTopics.PRIMARY);
        env.putAll(Map.of(
                "VISION_GROUP_ID", "vision-test",
                "VISION_MAX_BATCH", "4",
                "VISION_MAX_WAIT_MS", "50",
                "VISION_MAX_IMAGE_BYTES", "100000",
                "VISION_MAX_PIXELS", "1000000",
                "VISION_FEATURE_DTYPE", "F32",
                "VISION_CACHE_ENTRIES", "16"));
        service = AppProcess.of(PackagedApp.VISION, "vision", env, dir).startAndAwaitReady(Duration.ofMinutes(2));
    }

    /** The model and broker of this test, serving {@code modelId}'s topics. */
    private static Map<String, String> variables(String modelId) {
        Map<String, String> env = new HashMap<>(new ModelSource.InverseLlava(paths).variables());
        env.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "TOPICS_REPLICATION", "1", "MODEL_ID", modelId));
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (model != null) {
            model.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static byte[] png(int w, int h, long seed) {
        return DemoImages.png(w, h, seed);
    }

    static byte[] request(String id, byte[] image, long deadline) {
        return AvroCodec.of(ImageRequest.class)
                .encode(ImageRequest.newBuilder()
                        .setRequestId(id)
                        .setImage(ByteBuffer.wrap(image))
                        .setContentType(null)
                        .setDeadlineEpochMs(deadline)
                        .setCreatedAtEpochMs(System.currentTimeMillis())
                        .build());
    }

    @Test
    void encodesBatchesAnswersBadImagesAndKeepsServing() throws Exception {
        long later = System.currentTimeMillis() + 60_000;
        byte[] valid = png(130, 90, 1);
        byte[] huge = png(300, 300, 2); // random pixels: > 100 kB as PNG
        assertTrue(huge.length > 100_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer())) {
            send(producer, "ok-1", request("ok-1", valid, later));
            send(producer, "corrupt", request("corrupt", "not an image".getBytes(), later));
            send(producer, "truncated", request("truncated", java.util.Arrays.copyOf(valid, 60), later));
            send(producer, "huge", request("huge", huge, later));
            send(producer, "late", request("late", valid, System.currentTimeMillis() - 1));
            send(producer, "poison", "{\"not\": \"avro\"}".getBytes());
            byte[] whole = request("poison-body", valid, later); // an ImageRequest's header, half its body
            send(producer, "poison-body", java.util.Arrays.copyOf(whole, whole.length / 2));
            send(producer, "ok-2", request("ok-2", valid, later));
            send(producer, "ok-3", request("ok-3", png(112, 112, 3), later));
            producer.flush();
        }
        Map<String, VisualFeatures> got = readFeatures(9);
        var direct = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(valid)))
                .get(0);
        for (String id : List.of("ok-1", "ok-2")) {
            VisualFeatures f = got.get(id);
            assertNull(f.getError(), id);
            assertEquals(List.of(64, 64), f.getShape());
            assertEquals(VisionEncoderService.sha256(valid), f.getImageSha256());
            assertArrayEquals(
                    direct.data(),
                    FeatureCodec.fromBytes(f.getData(), f.getDtype(), f.getShape())
                            .data(),
                    0f);
        }
        assertNull(got.get("ok-3").getError());
        assertEquals(
                ErrorCode.INVALID_IMAGE.code(), got.get("corrupt").getError().getCode());
        assertEquals(
                ErrorCode.IMAGE_TOO_LARGE.code(), got.get("huge").getError().getCode());
        assertEquals(
                ErrorCode.DEADLINE_EXCEEDED.code(), got.get("late").getError().getCode());
        // an unreadable record keyed by a request id: dead-lettered, and its request ends through the features
        assertEquals(
                ErrorCode.INVALID_REQUEST.code(), got.get("poison").getError().getCode());
        assertEquals(
                ErrorCode.INVALID_REQUEST.code(),
                got.get("poison-body").getError().getCode());
        assertTrue(
                got.get("poison").getError().getMessage().contains("could not be read"),
                got.get("poison").getError().getMessage());
        assertTrue(
                got.get("huge").getError().getMessage().contains("100000"),
                got.get("huge").getError().getMessage());
        assertEquals(
                ErrorCode.INVALID_IMAGE.code(), got.get("truncated").getError().getCode());
        assertEquals( // ours, not ImageIO's text for what it could not read
                "cannot decode the image (corrupt or truncated)",
                got.get("truncated").getError().getMessage());
        for (String id : List.of(
                "corrupt", "truncated", "poison", "poison-body")) { // ImageIO's and Avro's own texts stay inside
            String message = got.get(id).getError().getMessage();
            assertFalse(
                    message.contains("Exception")
                            || message.contains("java")
                            || message.contains("org.apache")
                            || message.contains("IIO"),
                    id + ": " + message);
        }

        DeadLetter letter = readOne(Topics.DEAD_LETTER, AvroCodec.of(DeadLetter.class));
        assertEquals(Topics.IMAGES, letter.getSourceTopic());
        assertEquals("vision-encoder-svc", letter.getService());
        assertTrue(letter.getReason().contains("not Avro single-object encoded"), letter.getReason());
    }

    @Test
    void imagesWaitingTogetherAreEncodedTogetherOnTheirModelsTopics() throws Exception {
        ModelTopics topics = ModelTopics.of("batch-test");
        TopicSetup.ensureDefaults(settings, (short) 1, List.of(topics.model()));
        long later = System.currentTimeMillis() + 60_000;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer())) {
            for (int i = 0; i < 6; i++) { // all there before the encoder starts: it must not take them one by one
                producer.send(new ProducerRecord<>(
                        topics.images(),
                        ("b" + i).getBytes(StandardCharsets.UTF_8),
                        request("b" + i, png(112, 112, 10 + i), later)));
            }
        }
        assertEquals(
                "0",
                ServiceConfig.variables(VisionEncoderSettings.class).get("VISION_MAX_WAIT_MS"),
                "no added latency");
        try (AppProcess batching = AppProcess.of(PackagedApp.VISION, "vision-batch", variables("batch-test"), dir)
                .startAndAwaitReady(Duration.ofMinutes(2))) {
            Map<String, VisualFeatures> got = readFeatures(topics.features(), 6);
            for (int i = 0; i < 6; i++) {
                var direct = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(png(112, 112, 10 + i))))
                        .get(0);
                assertArrayEquals(
                        direct.data(),
                        FeatureCodec.fromBytes(
                                        got.get("b" + i).getData(),
                                        got.get("b" + i).getDtype(),
                                        got.get("b" + i).getShape())
                                .data(),
                        1e-5f,
                        "b" + i);
            }
            String scraped = batching.get("/q/metrics").body();
            Matcher m = Pattern.compile("(?m)^vision_batch_size_count\\{model=\"batch-test\"} ([0-9.]+)")
                    .matcher(scraped);
            assertTrue(m.find(), scraped);
            double batches = Double.parseDouble(m.group(1));
            assertTrue(batches < 6, "6 waiting images took " + batches + " batches");
        }
    }

    /**
     * DPA's rows grow with the picture (N+2 of the thinker's width): features over the message limit are refused
     * ({@code image_too_large}, naming the rows) instead of a record Kafka would reject, a picture over the processor's
     * aspect ratio is {@code invalid_image}, and the encoder goes on. Here the tiny reference DPA (40 wide) under a
     * 1 MiB limit: 2212×2212 px is 6,241 rows, 1.0 MB.
     */
    @Test
    void featuresOverTheMessageLimitAreRefusedAndTheEncoderGoesOn() throws Exception {
        ModelTopics topics = ModelTopics.of("dpa-limit");
        TopicSetup.ensureDefaults(settings, (short) 1, List.of(topics.model()));
        Path dpa = Path.of("../runtime/src/test/resources/golden/tiny-dpa");
        VisionEncoderConfig config = new VisionEncoderConfig(
                new KafkaSettings(kafka.bootstrapServers(), "dpa-limit", 1 << 20, Map.of(), 0),
                "vision-dpa-limit",
                4,
                Duration.ZERO,
                10_000_000,
                40_000_000,
                TensorDType.F32,
                0,
                topics);
        try (var encoder = new ModelSource.Dpa(dpa.resolve("separated"), dpa.resolve("refs"))
                        .loadVision(LoadOptions.defaults());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer())) {
            RunningService running =
                    VisionEncoderStartup.run(config, encoder, "dpa-limit", new Metrics(), Tracing.off());
            try {
                long later = System.currentTimeMillis() + 120_000;
                producer.send(new ProducerRecord<>(
                        topics.images(),
                        "big".getBytes(StandardCharsets.UTF_8),
                        request("big", flatPng(2212, 2212), later)));
                producer.send(new ProducerRecord<>(
                        topics.images(),
                        "thin".getBytes(StandardCharsets.UTF_8),
                        request("thin", flatPng(2010, 10), later)));
                producer.send(new ProducerRecord<>(
                        topics.images(),
                        "small".getBytes(StandardCharsets.UTF_8),
                        request("small", png(84, 56, 4), later)));
                Map<String, VisualFeatures> got = readFeatures(topics.features(), 3);
                // the processor's limit, before the picture joins a batch: the client's error, not the encoder's
                assertEquals(
                        ErrorCode.INVALID_IMAGE.code(),
                        got.get("thin").getError().getCode());
                assertTrue(got.get("thin").getError().getMessage().contains("aspect ratio"));
                ErrorInfo refused = got.get("big").getError();
                assertNotNull(refused, "the big picture's features");
                assertEquals(ErrorCode.IMAGE_TOO_LARGE.code(), refused.getCode());
                assertTrue(refused.getMessage().contains("6243 rows of 40"), refused.getMessage());
                assertNull(got.get("small").getError());
                assertEquals(List.of(8, 40), got.get("small").getShape()); // 3×2 merged tokens + vision_start/end
            } finally {
                running.close();
            }
        }
    }

    /** One colour: a large picture in a few kilobytes. */
    static byte[] flatPng(int w, int h) throws java.io.IOException {
        java.awt.image.BufferedImage img =
                new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(90, 140, 200));
        g.fillRect(0, 0, w, h);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String key, byte[] value) {
        p.send(new ProducerRecord<>(Topics.IMAGES, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static Map<String, VisualFeatures> readFeatures(int expected) {
        return readFeatures(Topics.FEATURES, expected);
    }

    private static Map<String, VisualFeatures> readFeatures(String topic, int expected) {
        AvroCodec<VisualFeatures> codec = AvroCodec.of(VisualFeatures.class);
        Map<String, VisualFeatures> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("reader-" + System.nanoTime()))) {
            c.subscribe(List.of(topic));
            long until = System.currentTimeMillis() + 60_000;
            while (out.size() < expected && System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    VisualFeatures f = codec.decode(r.value());
                    out.put(f.getRequestId(), f);
                }
            }
        }
        assertEquals(expected, out.size(), "features received: " + out.keySet());
        return out;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T readOne(String topic, AvroCodec<T> codec) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("reader-" + System.nanoTime()))) {
            c.subscribe(List.of(topic));
            long until = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    return codec.decode(r.value());
                }
            }
        }
        assertNotNull(null, "nothing on " + topic);
        return null;
    }
}
