package org.invllava.runtime.generate;

import java.util.List;

/**
 * Streams text while watching for stop strings: text that could still be the start of a stop string is
 * held back, and once one appears the answer ends just before it. Each delta costs time linear in the delta and the
 * stops' lengths (a search from just before the new text, and a KMP pass over the tail for what to hold back), so
 * long stops cannot make a long answer quadratic.
 */
final class StopMatcher {
    private final List<String> stops;
    /** KMP prefix function of each stop: {@code failure[i]} = longest proper border of {@code stop[0..i]}. */
    private final List<int[]> failures;

    private final StringBuilder all = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
        this.failures = stops.stream().map(StopMatcher::prefixFunction).toList();
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
        for (int i = 0; i < stops.size(); i++) {
            hold = Math.max(hold, suffixThatStarts(all, stops.get(i), failures.get(i)));
        }
        return take(Math.max(emitted, all.length() - hold));
    }

    /** The length of the longest suffix of {@code text} that is a proper prefix of {@code stop}: O(|stop|). */
    static int suffixThatStarts(CharSequence text, String stop, int[] failure) {
        int matched = 0;
        for (int i = Math.max(0, text.length() - stop.length() + 1); i < text.length(); i++) {
            char c = text.charAt(i);
            while (matched > 0 && (matched == stop.length() || stop.charAt(matched) != c)) {
                matched = failure[matched - 1];
            }
            if (stop.charAt(matched) == c) {
                matched++;
            }
        }
        return matched == stop.length() ? failure[matched - 1] : matched;
    }

    static int[] prefixFunction(String s) {
        int[] f = new int[s.length()];
        for (int i = 1, k = 0; i < s.length(); i++) {
            while (k > 0 && s.charAt(i) != s.charAt(k)) {
                k = f[k - 1];
            }
            if (s.charAt(i) == s.charAt(k)) {
                k++;
            }
            f[i] = k;
        }
        return f;
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
