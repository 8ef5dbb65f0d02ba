package org.invllava.fusion.svc;

import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.PoisonRecordException;

/**
 * Decodes raw bytes as {@code T}; records that are not valid (or have no key) become dead letters naming topic,
 * partition and offset.
 */
final class DecodeProcessor<T extends SpecificRecord> implements FixedKeyProcessor<String, byte[], Decoded<T>> {
    private final AvroCodec<T> codec;
    private FixedKeyProcessorContext<String, Decoded<T>> context;

    DecodeProcessor(AvroCodec<T> codec) {
        this.codec = codec;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Decoded<T>> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
        try {
            if (record.key() == null) {
                throw new PoisonRecordException("the record has no key: records must be keyed by their request id");
            }
            context.forward(record.withValue(new Decoded<>(codec.decode(record.value()), null)));
        } catch (PoisonRecordException e) {
            RecordMetadata m = context.recordMetadata().orElse(null);
            DeadLetter letter = DeadLetter.newBuilder()
                    .setSourceTopic(m == null ? "?" : m.topic())
                    .setPartition(m == null ? -1 : m.partition())
                    .setOffset(m == null ? -1 : m.offset())
                    .setKey(
                            record.key() == null
                                    ? null
                                    : ByteBuffer.wrap(record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .setPayload(ByteBuffer.wrap(record.value() == null ? new byte[0] : record.value()))
                    .setReason(e.getMessage())
                    .setService("fusion-llm-svc")
                    .setAtEpochMs(System.currentTimeMillis())
                    .build();
            context.forward(record.withValue(new Decoded<>(null, letter)));
        }
    }
}
