package org.invllava.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (2-byte marker, 8-byte schema fingerprint, binary body) for one record type:
 * no registry needed. The decoder also knows every released version of the schema
 * ({@code schema-history/<Name>/v<N>.avsc}), so data from older producers is read into the current type.
 */
public final class AvroCodec<T extends SpecificRecord> {
    private final Class<T> type;
    private final Schema schema;
    private final List<Schema> history;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroCodec(Class<T> type) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type);
        this.history = loadHistory(schema.getName());
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema);
        for (Schema old : history) {
            decoder.addSchema(old);
        }
    }

    public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
        return new AvroCodec<>(type);
    }

    public Schema schema() {
        return schema;
    }

    /** Released versions, oldest first. */
    public List<Schema> history() {
        return history;
    }

    public byte[] encode(T value) {
        try {
            ByteBuffer b = encoder.encode(value);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes a single-object-encoded value; anything else is a {@link PoisonRecordException}. */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw new PoisonRecordException("empty record where a " + type.getSimpleName() + " was expected");
        }
        try {
            return decoder.decode(bytes);
        } catch (org.apache.avro.message.MissingSchemaException e) {
            throw new PoisonRecordException(
                    "unknown schema version for " + type.getSimpleName() + ": " + e.getMessage());
        } catch (org.apache.avro.message.BadHeaderException e) {
            throw new PoisonRecordException("not Avro single-object encoded: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new PoisonRecordException("malformed " + type.getSimpleName() + ": " + e);
        }
    }

    private static List<Schema> loadHistory(String name) {
        List<Schema> out = new ArrayList<>();
        for (int v = 1; ; v++) {
            String resource = "/schema-history/" + name + "/v" + v + ".avsc";
            try (InputStream in = AvroCodec.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return List.copyOf(out);
                }
                out.add(new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + resource, e);
            }
        }
    }
}
