package org.invllava.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void anIdTellsWhenItWasCreated() {
        long t = 1_790_000_000_123L;
        String id = RequestIds.at(t);
        assertEquals(7, UUID.fromString(id).version());
        assertEquals(2, UUID.fromString(id).variant());
        assertEquals(OptionalLong.of(t), RequestIds.createdAt(id));
        assertNotEquals(id, RequestIds.at(t), "random bits differ within one millisecond");
        long before = System.currentTimeMillis();
        long created = RequestIds.createdAt(RequestIds.next()).orElseThrow();
        assertTrue(created >= before && created <= System.currentTimeMillis());
    }

    @Test
    void otherIdsHaveNoTime() {
        assertTrue(RequestIds.createdAt(UUID.randomUUID().toString()).isEmpty(), "version 4");
        assertTrue(RequestIds.createdAt("chatcmpl-1").isEmpty());
        assertTrue(RequestIds.createdAt("1-1-1-1-1").isEmpty(), "UUID.fromString's lenient short form");
    }
}
