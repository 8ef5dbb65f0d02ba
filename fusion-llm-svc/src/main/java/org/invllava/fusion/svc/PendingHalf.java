package org.invllava.fusion.svc;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.VisualFeatures;

/**
 * The pairing's state for one request id: the half that came first, when (wall clock) and until when it waits for the
 * other, or {@code DONE} once the request was paired or ended (a repeated half is then dropped, as its request is
 * answered or failed already; the marker is forgotten at its due time). Stored as bytes:
 * {@code [kind:1][atEpochMs:8][dueEpochMs:8][Avro single-object record of the half]}, so that the sweep reads the due
 * time without copying a feature tensor ({@link #dueEpochMs(byte[])}).
 */
record PendingHalf(Kind kind, long atEpochMs, long dueEpochMs, byte[] avro) {
    enum Kind {
        PROMPT,
        FEATURES,
        DONE
    }

    private static final int HEADER = 17;
    private static final AvroCodec<PromptRequest> PROMPTS = AvroCodec.of(PromptRequest.class);
    private static final AvroCodec<VisualFeatures> FEATURES = AvroCodec.of(VisualFeatures.class);

    static PendingHalf prompt(PromptRequest p, long at, long due) {
        return new PendingHalf(Kind.PROMPT, at, due, PROMPTS.encode(p));
    }

    static PendingHalf features(VisualFeatures f, long at, long due) {
        return new PendingHalf(Kind.FEATURES, at, due, FEATURES.encode(f));
    }

    static PendingHalf done(long at, long due) {
        return new PendingHalf(Kind.DONE, at, due, new byte[0]);
    }

    PromptRequest promptValue() {
        return PROMPTS.decode(avro);
    }

    VisualFeatures featuresValue() {
        return FEATURES.decode(avro);
    }

    byte[] toBytes() {
        return ByteBuffer.allocate(HEADER + avro.length)
                .put((byte) kind.ordinal())
                .putLong(atEpochMs)
                .putLong(dueEpochMs)
                .put(avro)
                .array();
    }

    /** Null for null (no state for the id). */
    static PendingHalf fromBytes(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new PendingHalf(
                Kind.values()[b.get()], b.getLong(), b.getLong(), Arrays.copyOfRange(bytes, HEADER, bytes.length));
    }

    /** The due time of a stored state, read from its header alone. */
    static long dueEpochMs(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong(9);
    }
}
