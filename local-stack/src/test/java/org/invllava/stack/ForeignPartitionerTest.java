package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.invllava.fusion.svc.FusionLlmStartup;
import org.invllava.kafka.Env;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.RequestIds;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.invllava.vision.svc.VisionEncoderStartup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka producer that is not Java's (Python, Go, .NET, kcat: librdkafka's default partitioner hashes keys with
 * CRC32, not murmur2) writes an image and its prompt: the request is answered. The vision encoder used to write the
 * features where murmur2 puts the key, another partition than the prompt's, and the join never met them.
 */
class ForeignPartitionerTest {
    @TempDir
    Path dir;

    /** librdkafka's {@code consistent} partitioner: CRC32 of the key, modulo the partition count. */
    public static final class Crc32Partitioner implements Partitioner {
        @Override
        public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
            return crc32(keyBytes, cluster.partitionCountForTopic(topic));
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    static int crc32(byte[] key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key);
        return (int) ((crc.getValue() & 0x7fffffffL) % partitions);
    }

    @Test
    void aRequestPlacedByCrc32IsAnswered() throws Exception {
        ModelPaths model = DemoModelFactory.writeRandomDemo(dir.resolve("model"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES)) {
            Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "VISION_MODEL_DIR", model.vision().toString(), "LANGUAGE_MODEL_DIR", model.language().toString(),
                    "FUSION_CHECKPOINT_DIR", model.fusion().toString(), "TOPICS_REPLICATION", "1"));
            Map<String, String> fusion = new HashMap<>(env);
            fusion.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
            try (RunningService v = VisionEncoderStartup.start(VisionEncoderStartup.settings(new Env(env)), new Metrics(),
                    Tracing.off());
                 RunningService f = FusionLlmStartup.start(FusionLlmStartup.settings(new Env(fusion)), new Metrics(),
                         Tracing.off())) {
                String id = idPlacedElsewhereByCrc32(4);
                KafkaSettings settings = KafkaSettings.of(kafka.bootstrapServers(), "python-like");
                Map<String, Object> p = settings.producer();
                p.put("partitioner.class", Crc32Partitioner.class.getName());
                long now = System.currentTimeMillis();
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                    byte[] key = id.getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(Topics.IMAGES, key, AvroCodec.of(ImageRequest.class).encode(
                            ImageRequest.newBuilder().setRequestId(id).setImage(ByteBuffer.wrap(DemoImages.png(64, 48, 3)))
                                    .setContentType(null).setDeadlineEpochMs(now + 120_000).setCreatedAtEpochMs(now)
                                    .build()))).get();
                    producer.send(new ProducerRecord<>(Topics.PROMPTS, key, AvroCodec.of(PromptRequest.class).encode(
                            PromptRequest.newBuilder().setRequestId(id).setQuestion("what is this?").setHasImage(true)
                                    .setSampling(SamplingParameters.newBuilder().setMaxNewTokens(12).build())
                                    .setDeadlineEpochMs(now + 120_000).setReplyTo("a-python-job")
                                    .setCreatedAtEpochMs(now).build()))).get();
                }
                List<TokenChunk> answer = answer(settings, id);
                TokenChunk last = answer.get(answer.size() - 1);
                assertEquals(null, last.getError(), "answered without an error");
                assertEquals(12, answer.stream().mapToInt(c -> c.getTokenIds().size()).sum());
                assertEquals("a-python-job", last.getReplyTo());
            }
        }
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
    private static List<TokenChunk> answer(KafkaSettings settings, String id) {
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
