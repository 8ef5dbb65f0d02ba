package org.invllava.fusion.svc;

import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Whether a record sits on its key's home partition: the one the Java client's default partitioner gives the key
 * (murmur2 of its UTF-8 bytes), where the other half of its request is looked for. A record a producer placed
 * otherwise (librdkafka's CRC32 default in Python, Go, .NET and kcat, or any custom partitioner) is sent through a
 * repartition topic first: one extra hop for it alone.
 */
final class Placement implements FixedKeyProcessor<String, byte[], Placement.Placed> {
    /** A raw record and whether it is on its home partition (a record without a key stays: it is refused later). */
    record Placed(byte[] value, boolean home) {}

    private final IntSupplier partitions;
    private FixedKeyProcessorContext<String, Placed> context;

    /** {@code partitions}: the topic's partition count, asked for at the first record (it may need the broker). */
    Placement(IntSupplier partitions) {
        this.partitions = partitions;
    }

    /** The home partition of {@code key} among {@code partitions}. */
    static int home(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Placed> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
        int partition = context.recordMetadata().map(m -> m.partition()).orElse(-1);
        boolean home = record.key() == null || partition < 0 || home(record.key(), partitions.getAsInt()) == partition;
        context.forward(record.withValue(new Placed(record.value(), home)));
    }
}
