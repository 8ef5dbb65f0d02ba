package org.invllava.fusion.svc;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.BrokerProbe;
import org.invllava.kafka.KafkaSettings;
import org.invllava.observability.Metrics;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code vlm.control} (every partition, no group: each instance sees every message, starting
 * {@link #HISTORY} back so that a restarted instance knows recent cancels) and tells the generation loop, before
 * every step, whether a request should stop: it was cancelled, or nobody is listening any more, that is its client
 * left ({@code DETACH}) or its gateway stopped sending heartbeats, and no client resumed it ({@code ATTACH}) within
 * the grace period. Times are when a message reached this instance, so gateway and fusion clocks need not agree.
 * A silence counts only while this instance itself reaches the broker: while it cannot (a broker outage, which
 * also keeps the gateways' heartbeats from being written), nothing is orphaned, and once it can again every gateway
 * and departed client gets the whole grace period anew. Nothing is orphaned either while the probe's last question
 * went unanswered (an outage is declared only after several: a short grace period could otherwise run out first).
 */
final class ControlState implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlState.class);
    private static final AvroCodec<ControlMessage> CODEC = AvroCodec.of(ControlMessage.class);
    /** How far back a new instance reads: cancels and detaches older than this concern finished requests. */
    static final Duration HISTORY = Duration.ofMinutes(5);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final long graceNanos;
    /** Request id to the {@link System#nanoTime} its cancel arrived here; the most recent ones. */
    private final Map<String, Long> cancelled = RecentIds.map();
    /** Request id to when its client left (cleared by an attach). */
    private final Map<String, Long> detached = RecentIds.map();
    /** Request id to the gateway a client resumed it through (otherwise the one it was sent from). */
    private final Map<String, String> attachedTo = RecentIds.map();
    /** Gateway instance to when its last heartbeat arrived. */
    private final Map<String, Long> heard = new ConcurrentHashMap<>();

    private final Metrics.Histogram delivery;
    private final BrokerProbe broker = new BrokerProbe("control follower");

    ControlState(KafkaSettings kafka, Duration grace, Metrics metrics) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
        this.graceNanos = grace.toNanos();
        this.delivery = metrics.histogram(
                "fusion_cancel_delivery_seconds", "Cancel sent (gateway clock) to seen by this instance");
    }

    /** Whether a heartbeat of {@code gateway} has arrived (tests wait on it). */
    boolean heardFrom(String gateway) {
        return heard.containsKey(gateway);
    }

    /** When the cancel of {@code requestId} arrived ({@link System#nanoTime}), or null when it was not cancelled. */
    Long cancelledAt(String requestId) {
        return cancelled.get(requestId);
    }

    /**
     * Why nobody listens to {@code requestId} (sent through gateway {@code replyTo}) any more, or null while someone
     * may: its client left, or its gateway went silent, longer than the grace period ago.
     */
    String orphaned(String requestId, String replyTo) {
        if (!broker.reachable() || broker.doubted()) {
            return null; // the broker is (perhaps) out of reach: a heartbeat or a resume may be waiting for it
        }
        long now = System.nanoTime();
        long since = broker.reachableSince();
        Long left = detached.get(requestId);
        if (left != null && now - Math.max(left, since) > graceNanos) {
            return "the client left and did not resume within " + graceNanos / 1_000_000 + " ms";
        }
        String gateway = attachedTo.getOrDefault(requestId, replyTo);
        Long last = heard.get(gateway);
        if (last != null && now - Math.max(last, since) > graceNanos) {
            return "gateway " + gateway + " sent no heartbeat for " + graceNanos / 1_000_000
                    + " ms and no client resumed";
        }
        return null;
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.CONTROL).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(parts);
            startFromHistory(parts);
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                }
                broker.check(consumer, parts);
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    /**
     * Seeks each partition to its first record of the last {@link #HISTORY}, or to its end as it was before the look-up
     * (an explicit offset: a lazy seek-to-end, resolved at the first poll, skipped messages written in between, and a
     * gateway's one heartbeat or a client's DETACH was never seen).
     */
    private void startFromHistory(List<TopicPartition> parts) {
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        Map<TopicPartition, Long> since = new HashMap<>();
        parts.forEach(tp -> since.put(tp, System.currentTimeMillis() - HISTORY.toMillis()));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(since);
        for (TopicPartition tp : parts) {
            OffsetAndTimestamp o = offsets.get(tp);
            consumer.seek(tp, o != null ? o.offset() : end.get(tp));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        ControlMessage m;
        try {
            m = CODEC.decode(r.value());
        } catch (PoisonRecordException e) {
            LOG.warn("ignoring undecodable control record at offset {}: {}", r.offset(), e.getMessage());
            return;
        }
        long now = System.nanoTime();
        switch (m.getAction()) {
            case CANCEL -> {
                cancelled.putIfAbsent(m.getRequestId(), now);
                delivery.observe(Math.max(0, System.currentTimeMillis() - m.getAtEpochMs()) / 1e3);
            }
            case DETACH -> detached.put(m.getRequestId(), now);
            case ATTACH -> {
                detached.remove(m.getRequestId());
                if (m.getGateway() != null) {
                    attachedTo.put(m.getRequestId(), m.getGateway());
                    heard.putIfAbsent(m.getGateway(), now);
                }
            }
            case HEARTBEAT -> {
                if (m.getGateway() != null) {
                    heard.put(m.getGateway(), now);
                }
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
