package org.invllava.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    @Test
    void holdsBackAPossibleStopPrefixAndCutsBeforeTheStop() {
        StopMatcher m = new StopMatcher(List.of("###", "USER:"));
        assertEquals("Hello", m.accept("Hello"));
        assertEquals(" wor", m.accept(" wor#")); // "#" may start "###"
        assertEquals("", m.accept("#"));
        assertFalse(m.stopped());
        assertEquals("", m.accept("# tail"));
        assertTrue(m.stopped());
        assertEquals("Hello wor", m.text());
    }

    @Test
    void aFalseAlarmIsReleased() {
        StopMatcher m = new StopMatcher(List.of("USER:"));
        assertEquals("a ", m.accept("a US"));
        assertEquals("USE!", m.accept("E!"));
        assertEquals("", m.flush());
        assertFalse(m.stopped());
    }

    @Test
    void withoutStopsEverythingPassesAtOnce() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("abc", m.accept("abc"));
        assertEquals("abc", m.text());
    }
}
