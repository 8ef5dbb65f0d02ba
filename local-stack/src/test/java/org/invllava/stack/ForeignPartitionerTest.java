package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.RequestIds;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kafka producers that are not Java's (Python, Go, .NET, kcat: librdkafka's default partitioner hashes keys with
 * CRC32, not murmur2) write images and prompts: every request is answered, whichever partitioner placed each half
 * (the join moves records off their key's home partition there). Nothing is lost silently either: a half whose other
 * half never comes, and an unreadable record keyed by a request id, end that request with an error chunk. Before, 3
 * of 4 such requests were never answered and no error ever came.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForeignPartitionerTest {
    private static final int PARTITIONS = 4; // the default count of vlm.images and vlm.prompts
    private static final long JOIN_WINDOW_MS = 4_000;

    @TempDir
    static Path dir;

    /** librdkafka's {@code consistent} partitioner: CRC32 of the key, modulo the partition count. */
    public static final class Crc32Partitioner implements Partitioner {
        @Override
        public int partition(
                String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
            return crc32(keyBytes, cluster.partitionCountForTopic(topic));
        }

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    static int crc32(byte[] key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key);
        return (int) ((crc.getValue() & 0x7fffffffL) % partitions);
    }

    private EmbeddedKafka kafka;
    private AppProcess vision;
    private AppProcess fusion;
    private KafkaSettings settings;

    @BeforeAll
    void startServices() throws Exception {
        ModelPaths model = DemoModelFactory.writeRandomDemo(dir.resolve("model"));
        kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES);
        Map<String, String> env = new HashMap<>(new ModelSource.InverseLlava(model).variables());
        env.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "TOPICS_REPLICATION", "1"));
        Map<String, String> fusionEnv = new HashMap<>(env);
        fusionEnv.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
        fusionEnv.put("FUSION_JOIN_WINDOW_MS", String.valueOf(JOIN_WINDOW_MS));
        vision = AppProcess.of(PackagedApp.VISION, "vision", env, dir).start(); // the packaged apps, as deployed
        fusion = AppProcess.of(PackagedApp.FUSION, "fusion", fusionEnv, dir).start();
        vision.awaitReady(Duration.ofMinutes(2));
        fusion.awaitReady(Duration.ofMinutes(2));
        settings = KafkaSettings.of(kafka.bootstrapServers(), "python-like");
    }

    @AfterAll
    void stopServices() throws Exception {
        fusion.close();
        vision.close();
        kafka.close();
    }

    /** Images and prompts placed by CRC32, by murmur2, or one by each: every request is answered. */
    @ParameterizedTest(name = "images by {0}, prompts by {1}")
    @CsvSource({"CRC32, CRC32", "CRC32, MURMUR2", "MURMUR2, CRC32"})
    void requestsPlacedByAnyPartitionerAreAnswered(Placer images, Placer prompts) throws Exception {
        List<String> ids = java.util.stream.IntStream.range(0, 4)
                .mapToObj(i -> idPlacedElsewhereByCrc32(PARTITIONS))
                .toList();
        try (KafkaProducer<byte[], byte[]> imageProducer = producer(images);
                KafkaProducer<byte[], byte[]> promptProducer = producer(prompts)) {
            for (String id : ids) {
                imageProducer.send(image(id, DemoImages.png(64, 48, 3))).get();
                promptProducer.send(prompt(id, "a-python-job")).get();
            }
        }
        for (String id : ids) {
            List<TokenChunk> answer = answer(id);
            TokenChunk last = answer.get(answer.size() - 1);
            assertEquals(null, last.getError(), "answered without an error");
            assertEquals(
                    12, answer.stream().mapToInt(c -> c.getTokenIds().size()).sum());
            assertEquals("a-python-job", last.getReplyTo());
        }
    }

    /** A prompt whose image never comes ends at the join window with an error chunk that names the missing half. */
    @Test
    void aPromptWithoutItsImageEndsWithAnError() throws Exception {
        String id = idPlacedElsewhereByCrc32(PARTITIONS);
        try (KafkaProducer<byte[], byte[]> p = producer(Placer.CRC32)) {
            p.send(prompt(id, "lonely-prompt")).get();
        }
        TokenChunk only = single(answer(id));
        assertEquals(ErrorCode.DEADLINE_EXCEEDED.code(), only.getError().getCode());
        assertTrue(
                only.getError().getMessage().contains("features did not arrive"),
                only.getError().getMessage());
        assertEquals("lonely-prompt", only.getReplyTo());
    }

    /** An image whose prompt never comes ends too (no reply address is known: the chunk's replyTo is empty). */
    @Test
    void anImageWithoutItsPromptEndsWithAnError() throws Exception {
        String id = idPlacedElsewhereByCrc32(PARTITIONS);
        try (KafkaProducer<byte[], byte[]> p = producer(Placer.CRC32)) {
            p.send(image(id, DemoImages.png(64, 48, 5))).get();
        }
        TokenChunk only = single(answer(id));
        assertEquals(ErrorCode.DEADLINE_EXCEEDED.code(), only.getError().getCode());
        assertTrue(
                only.getError().getMessage().contains("prompt"), only.getError().getMessage());
    }

    /** Unreadable records keyed by a request id end that request at once with invalid_request (and are dead-lettered). */
    @Test
    void unreadableRecordsEndTheirRequest() throws Exception {
        String badImage = RequestIds.next();
        String badPrompt = RequestIds.next();
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        long t0 = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> p = producer(Placer.CRC32)) {
            p.send(new ProducerRecord<>(Topics.IMAGES, badImage.getBytes(StandardCharsets.UTF_8), garbage))
                    .get();
            p.send(prompt(badImage, "bad-image-job")).get();
            p.send(new ProducerRecord<>(Topics.PROMPTS, badPrompt.getBytes(StandardCharsets.UTF_8), garbage))
                    .get();
        }
        TokenChunk image = single(answer(badImage));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), image.getError().getCode());
        assertEquals("bad-image-job", image.getReplyTo(), "the prompt's reply address gets the image's error");
        TokenChunk prompt = single(answer(badPrompt));
        assertEquals(ErrorCode.INVALID_REQUEST.code(), prompt.getError().getCode());
        assertTrue(System.currentTimeMillis() - t0 < JOIN_WINDOW_MS + 60_000);
    }

    enum Placer {
        CRC32,
        MURMUR2
    }

    private KafkaProducer<byte[], byte[]> producer(Placer placer) {
        Map<String, Object> p = settings.producer();
        if (placer == Placer.CRC32) {
            p.put("partitioner.class", Crc32Partitioner.class.getName());
        }
        return new KafkaProducer<>(p);
    }

    private static ProducerRecord<byte[], byte[]> image(String id, byte[] png) {
        long now = System.currentTimeMillis();
        return new ProducerRecord<>(
                Topics.IMAGES,
                id.getBytes(StandardCharsets.UTF_8),
                AvroCodec.of(ImageRequest.class)
                        .encode(ImageRequest.newBuilder()
                                .setRequestId(id)
                                .setImage(ByteBuffer.wrap(png))
                                .setContentType(null)
                                .setDeadlineEpochMs(now + 120_000)
                                .setCreatedAtEpochMs(now)
                                .build()));
    }

    private static ProducerRecord<byte[], byte[]> prompt(String id, String replyTo) {
        long now = System.currentTimeMillis();
        return new ProducerRecord<>(
                Topics.PROMPTS,
                id.getBytes(StandardCharsets.UTF_8),
                AvroCodec.of(PromptRequest.class)
                        .encode(PromptRequest.newBuilder()
                                .setRequestId(id)
                                .setQuestion("what is this?")
                                .setHasImage(true)
                                .setSampling(SamplingParameters.newBuilder()
                                        .setMaxNewTokens(12)
                                        .build())
                                .setDeadlineEpochMs(now + 120_000)
                                .setReplyTo(replyTo)
                                .setCreatedAtEpochMs(now)
                                .build()));
    }

    private static TokenChunk single(List<TokenChunk> answer) {
        assertEquals(1, answer.size(), "one chunk: the error");
        assertEquals(FinishReason.ERROR, answer.get(0).getFinishReason());
        return answer.get(0);
    }

    /** A request id whose CRC32 partition is not its murmur2 partition, so the test tells them apart. */
    private static String idPlacedElsewhereByCrc32(int partitions) {
        while (true) {
            String id = RequestIds.next();
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            if (crc32(key, partitions) != Utils.toPositive(Utils.murmur2(key)) % partitions) {
                return id;
            }
        }
    }

    /** Every chunk of {@code id} up to its final one, within 90 s. */
    private List<TokenChunk> answer(String id) {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        List<TokenChunk> out = new java.util.ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("reader-" + id))) {
            c.subscribe(List.of(Topics.TOKENS));
            long until = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < until) {
                for (var r : c.poll(Duration.ofMillis(100))) {
                    TokenChunk chunk = codec.decode(r.value());
                    if (chunk.getRequestId().equals(id)) {
                        out.add(chunk);
                        if (chunk.getFinishReason() != null) {
                            return out;
                        }
                    }
                }
            }
        }
        throw new AssertionError("request " + id + " was never answered (" + out.size() + " chunks)");
    }
}
