package org.invllava.stack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tail TOPIC}: a topic's records as JSON lines, decoded with the topic's own Avro schema. */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = "Print the records of a vlm.* topic as JSON, one per line (byte fields as their size).")
final class TailCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            description = "the topic: vlm.images, vlm.prompts, vlm.features, vlm.work, vlm.tokens, "
                    + "vlm.control, vlm.dead-letter (or another model's, e.g. vlm.prompts.llava-1.5)")
    String topic;

    @Option(
            names = "--bootstrap-servers",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "default: $KAFKA_BOOTSTRAP_SERVERS, else localhost:9092")
    String bootstrapServers;

    @Option(names = "--from-beginning", description = "from the oldest record kept (default: new records only)")
    boolean fromBeginning;

    @Option(names = "--max", description = "stop after this many records (default: until Ctrl-C)")
    Integer max;

    @Option(
            names = "--idle-ms",
            description = "with --max, also stop after this long without a record",
            defaultValue = "10000")
    long idleMs;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        Topics.Spec spec = spec(topic);
        @SuppressWarnings("unchecked")
        AvroCodec<? extends SpecificRecord> codec = AvroCodec.of((Class<? extends SpecificRecord>) spec.valueType());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(KafkaSettings.of(bootstrapServers, "tail").consumer(null))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            int printed = 0;
            long lastRecord = System.currentTimeMillis();
            while (max == null || (printed < max && System.currentTimeMillis() - lastRecord < idleMs)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.println(line(r, codec));
                    lastRecord = System.currentTimeMillis();
                    if (max != null && ++printed >= max) {
                        break;
                    }
                }
            }
        }
        return 0;
    }

    private static String line(ConsumerRecord<byte[], byte[]> r, AvroCodec<? extends SpecificRecord> codec) {
        ObjectNode line = RecordJson.JSON
                .createObjectNode()
                .put("topic", r.topic())
                .put("partition", r.partition())
                .put("offset", r.offset())
                .put("timestamp", r.timestamp())
                .put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                .put("traceparent", header(r, "traceparent"));
        try {
            line.set("value", RecordJson.of(codec.decode(r.value())));
        } catch (RuntimeException e) { // a poison record: say so, go on
            line.put("undecodable", e.getMessage()).put("bytes", r.value() == null ? 0 : r.value().length);
        }
        return line.toString();
    }

    /** The spec of {@code topic}: one of {@link Topics#ALL}, or another model's copy of one ({@code vlm.prompts.M}). */
    static Topics.Spec spec(String topic) {
        for (Topics.Spec s : Topics.ALL) {
            if (topic.equals(s.name()) || topic.startsWith(s.name() + ".")) {
                return s;
            }
        }
        throw new picocli.CommandLine.ParameterException(
                new picocli.CommandLine(new TailCommand()), "not a topic of this stack: " + topic);
    }

    /** The last value of header {@code key} as text, or null. */
    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
