package org.invllava.fusion.svc;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.KafkaSettings;
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
    private final Set<String> cancelled = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<String, Boolean>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 10_000;
                }
            }));

    Cancellations(KafkaSettings kafka) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
    }

    boolean isCancelled(String requestId) {
        return cancelled.contains(requestId);
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
                            cancelled.add(m.getRequestId());
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
