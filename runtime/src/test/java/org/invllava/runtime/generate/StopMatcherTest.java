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

    /** The linear hold-back against the obvious quadratic one, on random texts over a small alphabet (many borders). */
    @Test
    void theHeldBackSuffixIsTheNaiveOne() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 3000; trial++) {
            String stop = random(r, 1 + r.nextInt(8));
            String text = random(r, r.nextInt(20));
            int naive = 0;
            for (int n = Math.min(stop.length() - 1, text.length()); n > 0; n--) {
                if (text.endsWith(stop.substring(0, n))) {
                    naive = n;
                    break;
                }
            }
            assertEquals(
                    naive,
                    StopMatcher.suffixThatStarts(text, stop, StopMatcher.prefixFunction(stop)),
                    "text '" + text + "' stop '" + stop + "'");
        }
    }

    @Test
    void longStopsOverALongAnswerHoldBackOnlyWhatCouldStartThem() {
        String stop = "ab".repeat(1000) + "!";
        StopMatcher m = new StopMatcher(List.of(stop, "x".repeat(20_000)));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 2048; i++) {
            out.append(m.accept("ab"));
        }
        assertEquals("ab".repeat(1048), out.toString(), "the last 2000 characters could start the stop");
        assertFalse(m.stopped());
        assertEquals("", m.accept("!"));
        assertTrue(m.stopped());
        assertEquals("ab".repeat(1048), m.text(), "the answer ends just before the stop");
    }

    private static String random(java.util.Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + r.nextInt(2)));
        }
        return b.toString();
    }

    @Test
    void withoutStopsEverythingPassesAtOnce() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("abc", m.accept("abc"));
        assertEquals("abc", m.text());
    }
}
