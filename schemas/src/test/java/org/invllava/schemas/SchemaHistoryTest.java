package org.invllava.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.RandomData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each topic's schema can read data written by every released version of it (schemas/history). */
class SchemaHistoryTest {
    @SuppressWarnings("unchecked")
    static Stream<Class<? extends SpecificRecord>> types() {
        return Topics.ALL.stream().map(s -> (Class<? extends SpecificRecord>) s.valueType());
    }

    @ParameterizedTest
    @MethodSource("types")
    void currentSchemaIsTheLatestReleasedVersion(Class<? extends SpecificRecord> type) {
        AvroCodec<?> codec = AvroCodec.of(type);
        assertFalse(codec.history().isEmpty(), "no schemas/history/" + type.getSimpleName() + "/v1.avsc");
        Schema latest = codec.history().get(codec.history().size() - 1);
        assertEquals(
                SchemaNormalization.parsingFingerprint64(codec.schema()),
                SchemaNormalization.parsingFingerprint64(latest),
                type.getSimpleName() + " changed: add it to schemas/history as the next version");
    }

    @ParameterizedTest
    @MethodSource("types")
    <T extends SpecificRecord> void everyReleasedVersionIsReadable(Class<T> type) {
        AvroCodec<T> codec = AvroCodec.of(type);
        for (Schema old : codec.history()) {
            assertEquals(
                    SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                    SchemaCompatibility.checkReaderWriterCompatibility(codec.schema(), old)
                            .getType());
            BinaryMessageEncoder<GenericRecord> oldProducer = new BinaryMessageEncoder<>(GenericData.get(), old);
            for (Object datum : new RandomData(old, 20, 42L)) {
                GenericRecord written = (GenericRecord) datum;
                T read = codec.decode(bytes(oldProducer, written));
                for (Schema.Field f : old.getFields()) {
                    Schema.Field now = codec.schema().getField(f.name());
                    if (now != null && f.schema().getType() == Schema.Type.STRING) {
                        assertEquals(
                                String.valueOf(written.get(f.name())), String.valueOf(read.get(now.pos())), f.name());
                    }
                }
            }
        }
    }

    @Test
    void anOlderProducerWithoutANewOptionalFieldIsResolved() throws Exception {
        // what a v2 with a new defaulted field looks like to v1 data: Avro resolution fills the default
        Schema v1 = SchemaBuilder.record("TokenChunk")
                .namespace("org.invllava.schemas")
                .fields()
                .requiredString("requestId")
                .requiredString("replyTo")
                .requiredInt("sequence")
                .requiredString("text")
                .name("tokenIds")
                .type()
                .array()
                .items()
                .intType()
                .noDefault()
                .endRecord();
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        org.apache.avro.message.BinaryMessageDecoder<TokenChunk> decoder =
                new org.apache.avro.message.BinaryMessageDecoder<>(
                        org.apache.avro.specific.SpecificData.get(), codec.schema());
        decoder.addSchema(v1);
        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "r1");
        old.put("replyTo", "gw-1");
        old.put("sequence", 3);
        old.put("text", "hi");
        old.put("tokenIds", List.of(5, 6));
        TokenChunk read = decoder.decode(bytes(new BinaryMessageEncoder<>(GenericData.get(), v1), old));
        assertEquals(3, read.getSequence());
        assertEquals(null, read.getFinishReason());
    }

    @Test
    void roundTripAndPoison() {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        TokenChunk chunk = TokenChunk.newBuilder()
                .setRequestId("r")
                .setReplyTo("gw")
                .setSequence(7)
                .setText("é")
                .setTokenIds(List.of(1, 2))
                .setFinishReason(FinishReason.STOP)
                .setUsage(new Usage(10, 2))
                .setError(null)
                .build();
        byte[] bytes = codec.encode(chunk);
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        assertEquals(chunk, codec.decode(bytes));
        PoisonRecordException garbage = assertThrows(PoisonRecordException.class, () -> codec.decode("{}".getBytes()));
        assertTrue(garbage.getMessage().contains("not Avro single-object encoded"), garbage.getMessage());
        byte[] otherType =
                AvroCodec.of(ControlMessage.class).encode(new ControlMessage("r", ControlAction.CANCEL, "", 0L, null));
        PoisonRecordException unknown = assertThrows(PoisonRecordException.class, () -> codec.decode(otherType));
        assertTrue(unknown.getMessage().contains("unknown schema version"), unknown.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(bytes, 12);
        assertThrows(PoisonRecordException.class, () -> codec.decode(truncated));
        assertThrows(PoisonRecordException.class, () -> codec.decode(null));
    }

    private static byte[] bytes(BinaryMessageEncoder<GenericRecord> encoder, GenericRecord r) {
        try {
            ByteBuffer b = encoder.encode(r);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
