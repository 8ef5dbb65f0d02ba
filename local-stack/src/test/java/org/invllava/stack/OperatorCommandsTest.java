package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code broker} and {@code tail}: what makes the separate-process path and the topics operable by hand. */
class OperatorCommandsTest {
    @TempDir
    Path dir;

    @Test
    void theBrokerHasEveryTopicAndTailPrintsRecordsAPersonCanRead() throws Exception {
        String address;
        try (KraftBroker kafka = BrokerCommand.start(dir.resolve("broker"), "127.0.0.1", 0, List.of("llava-1.5"))) {
            address = kafka.bootstrapServers();
            assertTrue(address.startsWith("127.0.0.1:"), "on the loopback interface: " + address);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Set<String> topics = admin.listTopics().names().get();
                assertTrue(
                        topics.containsAll(List.of(Topics.IMAGES, Topics.TOKENS, Topics.WORK, "vlm.prompts.llava-1.5")),
                        topics.toString());
            }
            String trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"; // W3C's example
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    KafkaSettings.of(kafka.bootstrapServers(), "test").producer())) {
                ImageRequest image = ImageRequest.newBuilder()
                        .setRequestId("r-1")
                        .setImage(ByteBuffer.wrap(new byte[1000]))
                        .setContentType(null)
                        .setDeadlineEpochMs(5)
                        .setCreatedAtEpochMs(4)
                        .build();
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        Topics.IMAGES,
                        "r-1".getBytes(StandardCharsets.UTF_8),
                        AvroCodec.of(ImageRequest.class).encode(image));
                record.headers().add("traceparent", trace.getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
                producer.send(new ProducerRecord<>(
                                Topics.IMAGES,
                                "r-2".getBytes(StandardCharsets.UTF_8),
                                "not avro".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
            TailCommand tail = new TailCommand();
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            tail.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
            int exit = new CommandLine(tail)
                    .execute(
                            Topics.IMAGES,
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--from-beginning",
                            "--max",
                            "2");
            assertEquals(0, exit);
            List<String> lines =
                    printed.toString(StandardCharsets.UTF_8).lines().sorted().toList();
            assertEquals(2, lines.size(), lines.toString());
            JsonNode first = RecordJson.JSON.readTree(
                    lines.stream().filter(l -> l.contains("r-1")).findFirst().orElseThrow());
            assertEquals("r-1", first.path("value").path("requestId").asText());
            assertEquals(1000, first.path("value").path("image").path("bytes").asInt(), "bytes as their size");
            assertEquals(trace, first.path("traceparent").asText());
            JsonNode poison = RecordJson.JSON.readTree(
                    lines.stream().filter(l -> l.contains("r-2")).findFirst().orElseThrow());
            assertTrue(poison.has("undecodable"), poison.toString());
        }
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        try (KraftBroker again =
                KraftBroker.start(dir.resolve("broker"), "127.0.0.1", port, Topics.MAX_MESSAGE_BYTES)) {
            TailCommand tail = new TailCommand();
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            tail.out = new PrintStream(printed, true, StandardCharsets.UTF_8);
            assertEquals(
                    0,
                    new CommandLine(tail)
                            .execute(
                                    Topics.IMAGES,
                                    "--bootstrap-servers",
                                    again.bootstrapServers(),
                                    "--from-beginning",
                                    "--max",
                                    "2"));
            assertEquals(
                    2,
                    printed.toString(StandardCharsets.UTF_8).lines().count(),
                    "restarted on its directory: the records are kept");
        }
    }
}
