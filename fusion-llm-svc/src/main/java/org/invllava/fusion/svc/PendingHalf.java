package org.invllava.fusion.svc;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.VisualFeatures;

/**
 * The pairing's state for one request id: the half that came first and when (wall clock), or {@code DONE} once the
 * request was paired or ended (a repeated half is then dropped, as its request is answered or failed already).
 * Stored as bytes: {@code [kind:1][atEpochMs:8][Avro single-object record of the half]}.
 */
record PendingHalf(Kind kind, long atEpochMs, byte[] avro) {
    enum Kind { PROMPT, FEATURES, DONE }

    private static final AvroCodec<PromptRequest> PROMPTS = AvroCodec.of(PromptRequest.class);
    private static final AvroCodec<VisualFeatures> FEATURES = AvroCodec.of(VisualFeatures.class);

    static PendingHalf prompt(PromptRequest p, long at) {
        return new PendingHalf(Kind.PROMPT, at, PROMPTS.encode(p));
    }

    static PendingHalf features(VisualFeatures f, long at) {
        return new PendingHalf(Kind.FEATURES, at, FEATURES.encode(f));
    }

    static PendingHalf done(long at) {
        return new PendingHalf(Kind.DONE, at, new byte[0]);
    }

    PromptRequest promptValue() {
        return PROMPTS.decode(avro);
    }

    VisualFeatures featuresValue() {
        return FEATURES.decode(avro);
    }

    byte[] toBytes() {
        return ByteBuffer.allocate(9 + avro.length).put((byte) kind.ordinal()).putLong(atEpochMs).put(avro).array();
    }

    /** Null for null (no state for the id). */
    static PendingHalf fromBytes(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new PendingHalf(Kind.values()[b.get()], b.getLong(), Arrays.copyOfRange(bytes, 9, bytes.length));
    }
}
