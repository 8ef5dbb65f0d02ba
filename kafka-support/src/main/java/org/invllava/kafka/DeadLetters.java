package org.invllava.kafka;

import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Copies a record a service cannot process to {@link Topics#DEAD_LETTER}, with where it came from and why. */
public final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final AvroCodec<DeadLetter> CODEC = AvroCodec.of(DeadLetter.class);

    private final Producer<byte[], byte[]> producer;
    private final String service;

    public DeadLetters(Producer<byte[], byte[]> producer, String service) {
        this.producer = producer;
        this.service = service;
    }

    /** Publishes the copy and waits for it: the source offset may be committed only after this returns. */
    public void publish(ConsumerRecord<byte[], byte[]> record, String reason) {
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        DeadLetter letter = DeadLetter.newBuilder()
                .setSourceTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setPayload(ByteBuffer.wrap(record.value() == null ? new byte[0] : record.value()))
                .setReason(reason)
                .setService(service)
                .setAtEpochMs(System.currentTimeMillis())
                .build();
        try {
            producer.send(new ProducerRecord<>(Topics.DEAD_LETTER, record.key(), CODEC.encode(letter)))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    "cannot write to " + Topics.DEAD_LETTER + ": "
                            + e.getCause().getMessage(),
                    e);
        }
    }
}
