package org.invllava.fusion.svc;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * At-least-once bookkeeping for work finishing out of order: per partition, the offset that may be committed is
 * the lowest still in flight (or one past the highest dispatched when none is), so a crash redoes every
 * request whose last chunk was not yet written, and nothing earlier. Thread-safe.
 */
final class OffsetTracker {
    private final Map<TopicPartition, TreeSet<Long>> inFlight = new HashMap<>();
    private final Map<TopicPartition, Long> nextDispatched = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    synchronized void started(TopicPartition tp, long offset) {
        inFlight.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
        nextDispatched.merge(tp, offset + 1, Math::max);
    }

    synchronized void finished(TopicPartition tp, long offset) {
        TreeSet<Long> open = inFlight.get(tp);
        if (open != null) {
            open.remove(offset);
        }
    }

    synchronized int inFlightCount() {
        return inFlight.values().stream().mapToInt(TreeSet::size).sum();
    }

    /** Requests in flight from {@code topic}'s partitions. */
    synchronized int inFlightCount(String topic) {
        return inFlight.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic))
                .mapToInt(e -> e.getValue().size())
                .sum();
    }

    /** Offsets that advanced since the last call, ready for {@code commitSync}. */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : nextDispatched.entrySet()) {
            TreeSet<Long> open = inFlight.get(e.getKey());
            long safe = open == null || open.isEmpty() ? e.getValue() : open.first();
            if (safe > committed.getOrDefault(e.getKey(), -1L)) {
                out.put(e.getKey(), new OffsetAndMetadata(safe));
            }
        }
        return out;
    }

    synchronized void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> committed.merge(tp, o.offset(), Math::max));
    }

    /** Forgets partitions this instance no longer owns (their work is redone by the new owner if unfinished). */
    synchronized void revoked(Iterable<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            inFlight.remove(tp);
            nextDispatched.remove(tp);
            committed.remove(tp);
        }
    }
}
