package org.invllava.stack;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;

/**
 * Where a request's time to first token goes through the stack, hop by hop: the broker stamps each record when it
 * appends it ({@link #stampOnAppend} switches the pipeline's topics to LogAppendTime for the bench; the local
 * stack's broker shares this process's clock), the client notes when it sent and when the first token came.
 * Also the largest record seen on each topic.
 */
final class HopBreakdown {
    /** The client's wall-clock times of one request: sent, first token received. */
    record ClientTimes(long sentMs, long firstTokenMs) {}

    private static final AvroCodec<TokenChunk> CHUNKS = AvroCodec.of(TokenChunk.class);

    private final Map<String, Long> imageAppended = new HashMap<>();
    private final Map<String, Long> featuresAppended = new HashMap<>();
    private final Map<String, Long> workAppended = new HashMap<>();
    private final Map<String, Long> firstChunkAppended = new HashMap<>();
    private final Map<String, Integer> largest = new TreeMap<>();

    /**
     * Makes the broker stamp every record of the pipeline's topics with its append time, so that a record's
     * timestamp says when it reached Kafka whoever wrote it (Kafka Streams stamps its join output with the
     * inputs' time otherwise).
     */
    static void stampOnAppend(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(KafkaSettings.of(bootstrap, "bench").admin())) {
            Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
            for (String topic : List.of(Topics.IMAGES, Topics.FEATURES, Topics.WORK, Topics.TOKENS)) {
                ops.put(
                        new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(
                                new ConfigEntry("message.timestamp.type", "LogAppendTime"), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(ops).all().get();
        }
    }

    /**
     * Reads every record of every topic but {@code vlm.control} (where each gateway says every second that it is alive)
     * once, until 3 s without a new one.
     */
    static HopBreakdown read(String bootstrap) {
        HopBreakdown h = new HopBreakdown();
        KafkaSettings settings = KafkaSettings.of(bootstrap, "bench");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("bench-hops"))) {
            c.subscribe(Topics.ALL.stream()
                    .map(Topics.Spec::name)
                    .filter(t -> !t.equals(Topics.CONTROL))
                    .toList());
            long idle = System.currentTimeMillis();
            while (System.currentTimeMillis() - idle < 3000) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    idle = System.currentTimeMillis();
                    h.add(r);
                }
            }
        }
        return h;
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        largest.merge(r.topic(), r.serializedValueSize(), Math::max);
        String id = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        switch (r.topic()) {
            case Topics.IMAGES -> imageAppended.put(id, r.timestamp());
            case Topics.FEATURES -> featuresAppended.put(id, r.timestamp());
            case Topics.WORK -> workAppended.put(id, r.timestamp());
            case Topics.TOKENS -> {
                if (CHUNKS.decode(r.value()).getSequence() == 0) {
                    firstChunkAppended.put(id, r.timestamp());
                }
            }
            default -> {}
        }
    }

    Map<String, Integer> largestRecords() {
        return largest;
    }

    /** The hops' p50 and p99 over {@code clients}' requests (by request id), as a Markdown table. */
    void print(Map<String, ClientTimes> clients, PrintStream out) {
        out.println("| hop (OpenAI SSE requests, ms) | p50 | p99 |");
        out.println("|---|---|---|");
        hop(
                out,
                "client sends → vlm.images appended (upload, JSON, base64, checks, send)",
                clients,
                (id, c) -> imageAppended.get(id),
                (id, c) -> c.sentMs());
        hop(
                out,
                "vlm.images → vlm.features appended (fetch, decode, batching, CLIP, send)",
                clients,
                (id, c) -> featuresAppended.get(id),
                (id, c) -> imageAppended.get(id));
        hop(
                out,
                "vlm.features → vlm.work appended (Streams fetch, join, send)",
                clients,
                (id, c) -> workAppended.get(id),
                (id, c) -> featuresAppended.get(id));
        hop(
                out,
                "vlm.work → first chunk appended (fetch, scheduler, engine, prefill, first token, send)",
                clients,
                (id, c) -> firstChunkAppended.get(id),
                (id, c) -> workAppended.get(id));
        hop(
                out,
                "first chunk → client has the first token (relay fetch, SSE)",
                clients,
                (id, c) -> c.firstTokenMs(),
                (id, c) -> firstChunkAppended.get(id));
    }

    /** A time of request {@code id}, or null when it was not seen. */
    private interface Stamp {
        Long at(String id, ClientTimes client);
    }

    private static void hop(PrintStream out, String name, Map<String, ClientTimes> clients, Stamp end, Stamp start) {
        List<Double> ms = new ArrayList<>();
        clients.forEach((id, c) -> {
            Long e = end.at(id, c);
            Long s = start.at(id, c);
            if (e != null && s != null) {
                ms.add((double) (e - s));
            }
        });
        ms.sort(null);
        out.printf(
                Locale.ROOT,
                "| %s | %.0f | %.0f |%n",
                name,
                PipelineBenchCommand.pct(ms, 50),
                PipelineBenchCommand.pct(ms, 99));
    }
}
