package org.invllava.kafka;

import java.security.SecureRandom;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Request ids: UUID version 7 (RFC 9562), whose first 48 bits are the creation time in Unix milliseconds and the
 * other 74 free bits random. Any gateway replica can thus tell from an id alone where in {@code vlm.tokens} its
 * answer starts, to replay it to a client that reconnects.
 */
public final class RequestIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {}

    /** A new id created now. */
    public static String next() {
        return at(System.currentTimeMillis());
    }

    static String at(long epochMs) {
        long high = (epochMs << 16) | 0x7000L | (RANDOM.nextInt() & 0x0fffL); // 48 bits of time, version 7, 12 random
        long low = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L; // variant 10, 62 random
        return new UUID(high, low).toString();
    }

    /** When {@code id} was created, if it is a version 7 UUID. */
    public static OptionalLong createdAt(String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return OptionalLong.empty();
        }
        if (uuid.version() != 7 || uuid.variant() != 2 || id.length() != 36) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(uuid.getMostSignificantBits() >>> 16);
    }
}
