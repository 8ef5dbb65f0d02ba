package org.invllava.runtime.generate;

import java.util.List;

/**
 * Streams text while watching for stop strings: text that could still be the start of a stop string is
 * held back, and once one appears the answer ends just before it.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder all = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds a delta; returns the text now safe to emit. */
    String accept(String delta) {
        all.append(delta);
        int hit = -1;
        for (String s : stops) {
            int idx = all.indexOf(s, Math.max(0, emitted - s.length()));
            if (idx >= 0 && (hit < 0 || idx < hit)) {
                hit = idx;
            }
        }
        if (hit >= 0) {
            stopped = true;
            all.setLength(Math.max(hit, emitted));
            return take(all.length());
        }
        int hold = 0;
        for (String s : stops) {
            for (int n = Math.min(s.length() - 1, all.length()); n > hold; n--) {
                if (all.substring(all.length() - n).equals(s.substring(0, n))) {
                    hold = n;
                    break;
                }
            }
        }
        return take(Math.max(emitted, all.length() - hold));
    }

    /** Everything not yet emitted (at the end of generation). */
    String flush() {
        return take(all.length());
    }

    boolean stopped() {
        return stopped;
    }

    String text() {
        return all.toString();
    }

    private String take(int upTo) {
        String out = all.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }
}
