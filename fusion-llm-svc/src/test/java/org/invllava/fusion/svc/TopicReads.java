package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;

/** What the fusion service's tests read back from the broker: answers, dead letters, consumer-group offsets. */
final class TopicReads {
    private final KafkaSettings settings;

    TopicReads(KafkaSettings settings) {
        this.settings = settings;
    }

    /** Reads vlm.tokens until every id in {@code ids} has its final chunk; {@code onChunk} sees each chunk. */
    Map<String, List<TokenChunk>> answers(List<String> ids, Consumer<TokenChunk> onChunk) {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        Map<String, List<TokenChunk>> out = new HashMap<>();
        Map<String, Boolean> done = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("reader-" + System.nanoTime()))) {
            c.subscribe(List.of(Topics.TOKENS));
            long until = System.currentTimeMillis() + 90_000;
            while (done.size() < ids.size() && System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    TokenChunk chunk = codec.decode(r.value());
                    if (!ids.contains(chunk.getRequestId())) {
                        continue;
                    }
                    out.computeIfAbsent(chunk.getRequestId(), k -> new ArrayList<>())
                            .add(chunk);
                    onChunk.accept(chunk);
                    if (chunk.getFinishReason() != null) {
                        done.put(chunk.getRequestId(), true);
                    }
                }
            }
        }
        assertEquals(ids.size(), done.size(), "finished: " + done.keySet());
        return out;
    }

    /** Waits until {@code id} has at least {@code chunks} chunks on vlm.tokens. */
    void until(String id, int chunks) {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("until-" + System.nanoTime()))) {
            c.subscribe(List.of(Topics.TOKENS));
            long until = System.currentTimeMillis() + 60_000;
            while (seen < chunks && System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
                    seen += codec.decode(r.value()).getRequestId().equals(id) ? 1 : 0;
                }
            }
        }
        assertTrue(seen >= chunks, id + ": " + seen + " chunks");
    }

    /** Commits {@code group}'s offsets at the end of {@code topics}, so that it starts after what is there now. */
    void startAtEnd(String group, String... topics) throws Exception {
        try (var admin = Admin.create(settings.admin())) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topics))
                    .allTopicNames()
                    .get()
                    .forEach((name, d) -> d.partitions()
                            .forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, o) -> ends.put(tp, new OffsetAndMetadata(o.offset())));
            admin.alterConsumerGroupOffsets(group, ends).all().get();
        }
    }

    /** Records of {@code vlm.work} past the group's committed offsets. */
    long workLag(Admin admin, String group) throws Exception {
        var committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var p : admin.describeTopics(List.of(Topics.WORK))
                .allTopicNames()
                .get()
                .get(Topics.WORK)
                .partitions()) {
            latest.put(new TopicPartition(Topics.WORK, p.partition()), OffsetSpec.latest());
        }
        long lag = 0;
        for (var e : admin.listOffsets(latest).all().get().entrySet()) {
            var c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** The first record on the dead-letter topic. */
    DeadLetter deadLetter() {
        AvroCodec<DeadLetter> codec = AvroCodec.of(DeadLetter.class);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings.consumer("dlq-" + System.nanoTime()))) {
            c.subscribe(List.of(Topics.DEAD_LETTER));
            long until = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    return codec.decode(r.value());
                }
            }
        }
        throw new AssertionError("no dead letter");
    }
}
