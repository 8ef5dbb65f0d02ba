package org.invllava.fusion.svc;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.KafkaSettings;
import org.invllava.observability.Metrics;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code vlm.control} (every partition, from the end, no group: each instance sees every message) and
 * remembers the request ids cancelled recently, so generation stops within one decode step.
 */
final class Cancellations implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cancellations.class);
    private static final AvroCodec<ControlMessage> CODEC = AvroCodec.of(ControlMessage.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Request id to the {@link System#nanoTime} its cancel arrived here; the most recent 10 000. */
    private final Map<String, Long> cancelled = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 10_000;
        }
    });
    private final Metrics.Histogram delivery;

    Cancellations(KafkaSettings kafka, Metrics metrics) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
        this.delivery = metrics.histogram("fusion_cancel_delivery_seconds", "Cancel sent (gateway clock) to seen by this instance");
    }

    /** When the cancel of {@code requestId} arrived ({@link System#nanoTime}), or null when it was not cancelled. */
    Long cancelledAt(String requestId) {
        return cancelled.get(requestId);
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.CONTROL).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        ControlMessage m = CODEC.decode(r.value());
                        if (m.getAction() == ControlAction.CANCEL) {
                            cancelled.putIfAbsent(m.getRequestId(), System.nanoTime());
                            delivery.observe(Math.max(0, System.currentTimeMillis() - m.getAtEpochMs()) / 1e3);
                        }
                    } catch (PoisonRecordException e) {
                        LOG.warn("ignoring undecodable control record at offset {}: {}", r.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
