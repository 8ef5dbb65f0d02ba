package org.invllava.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back what was already written to {@code vlm.tokens} for some requests: a fusion LLM taking over a request
 * continues after its last chunk instead of redoing it, and a gateway replays an answer to a client that reconnects
 * (and, from a prompts topic, finds whose the request is: {@link #first}).
 * Chunks are keyed by request id, so one request's chunks are on one partition, in order, written after the request
 * was created; each read scans those partitions from the earliest creation time (less {@link #CLOCK_SKEW}) to
 * their end at the time of the call. Not thread-safe (one consumer); not for the hot path.
 */
public final class TokenLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenLog.class);
    private static final AvroCodec<TokenChunk> CODEC = AvroCodec.of(TokenChunk.class);
    /** How far the writers' clocks may be behind the clock that stamped the creation time. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Integer> partitions = new HashMap<>();

    public TokenLog(KafkaSettings kafka) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
    }

    /**
     * For each request id (with its creation time, epoch ms), the chunks written for it so far: numbered 0, 1, ...
     * without gaps (a duplicate of a sequence, written by a redo, appears once; anything after a gap is left out),
     * ending with the final chunk if the answer ended. Requests with no chunk yet map to an empty list.
     */
    public Map<String, List<TokenChunk>> read(Map<String, Long> createdAt) {
        Map<String, TreeMap<Integer, TokenChunk>> found = new HashMap<>();
        createdAt.keySet().forEach(id -> found.put(id, new TreeMap<>()));
        long records = scan(Topics.TOKENS, createdAt, (id, r) -> decode(r, found.get(id)));
        LOG.debug("read {} records of {} for {} requests", records, Topics.TOKENS, createdAt.size());
        Map<String, List<TokenChunk>> out = new HashMap<>();
        found.forEach((id, chunks) -> out.put(id, contiguous(chunks)));
        return out;
    }

    /**
     * For the request ids (with their creation times, epoch ms) that have a record on {@code topic} (keyed by request
     * id, as every request topic is), the value of the first: a request's prompt, say, and whether it was published.
     */
    public Map<String, byte[]> first(String topic, Map<String, Long> createdAt) {
        Map<String, byte[]> seen = new HashMap<>();
        scan(topic, createdAt, (id, r) -> seen.putIfAbsent(id, r.value()));
        return seen;
    }

    /**
     * Scans, on {@code topic}, the partitions of the requests in {@code createdAt} from the earliest creation time
     * (less {@link #CLOCK_SKEW}) to their end at the time of the call, handing each record of those requests to
     * {@code found}; returns how many records it read.
     */
    private long scan(
            String topic,
            Map<String, Long> createdAt,
            java.util.function.BiConsumer<String, ConsumerRecord<byte[], byte[]>> found) {
        int partitions = partitions(topic);
        Map<TopicPartition, Long> from = new HashMap<>();
        for (Map.Entry<String, Long> e : createdAt.entrySet()) {
            from.merge(partitionOf(topic, partitions, e.getKey()), e.getValue() - CLOCK_SKEW.toMillis(), Math::min);
        }
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(from);
        Map<TopicPartition, Long> ends = consumer.endOffsets(from.keySet());
        List<TopicPartition> scan = new ArrayList<>();
        for (TopicPartition tp : from.keySet()) {
            if (starts.get(tp) != null && starts.get(tp).offset() < ends.get(tp)) {
                scan.add(tp);
            }
        }
        consumer.assign(scan);
        scan.forEach(tp -> consumer.seek(tp, starts.get(tp).offset()));
        Set<TopicPartition> left = new HashSet<>(scan);
        long records = 0;
        while (!left.isEmpty()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                records++;
                if (r.key() == null) {
                    continue; // not a request's record (a producer that keyed nothing): no request of ours
                }
                String id = new String(r.key(), StandardCharsets.UTF_8);
                if (createdAt.containsKey(id)) {
                    found.accept(id, r);
                }
            }
            left.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
        }
        consumer.assign(List.of());
        return records;
    }

    private int partitions(String topic) {
        return partitions.computeIfAbsent(topic, t -> consumer.partitionsFor(t).size());
    }

    private static void decode(ConsumerRecord<byte[], byte[]> r, TreeMap<Integer, TokenChunk> into) {
        try {
            TokenChunk c = CODEC.decode(r.value());
            into.putIfAbsent(c.getSequence(), c);
        } catch (PoisonRecordException e) {
            LOG.warn(
                    "skipping undecodable chunk at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    private static List<TokenChunk> contiguous(TreeMap<Integer, TokenChunk> chunks) {
        List<TokenChunk> out = new ArrayList<>();
        for (TokenChunk c : chunks.values()) {
            if (c.getSequence() != out.size()) {
                break;
            }
            out.add(c);
            if (c.getFinishReason() != null) {
                break;
            }
        }
        return out;
    }

    /** Where the producer's default partitioner puts a record keyed by {@code requestId}. */
    private static TopicPartition partitionOf(String topic, int partitions, String requestId) {
        byte[] key = requestId.getBytes(StandardCharsets.UTF_8);
        return new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
