package org.invllava.kafka.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The embedded broker is a real Kafka: topics, a 2 MB record, a consumer group with committed offsets. */
class EmbeddedKafkaTest {
    @Test
    void producesAndConsumesLargeRecordsThroughAGroup() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 4 << 20)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic("t", 2, (short) 1).configs(Map.of("max.message.bytes", "" + (4 << 20)))))
                        .all()
                        .get();
            }
            byte[] big = new byte[2 << 20];
            big[12345] = 7;
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka.bootstrapServers());
            p.put("max.request.size", "" + (4 << 20));
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("t", "k".getBytes(), big)).get();
            }
            Properties c = new Properties();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "g");
            c.put("auto.offset.reset", "earliest");
            c.put("max.partition.fetch.bytes", "" + (4 << 20));
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("t"));
                ConsumerRecord<byte[], byte[]> got = null;
                long until = System.currentTimeMillis() + 30_000;
                while (got == null && System.currentTimeMillis() < until) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        got = r;
                    }
                }
                assertEquals(big.length, got.value().length);
                assertArrayEquals(big, got.value());
                consumer.commitSync();
            }
        }
    }
}
