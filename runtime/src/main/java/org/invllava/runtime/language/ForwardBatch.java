package org.invllava.runtime.language;

import java.util.List;

/**
 * What one forward call computes: consecutive tokens of several sequences stacked into one [N, D] input, segment
 * after segment. Every segment's tokens continue its own cache (positions {@code cache.length() ..}); linear layers
 * see all N rows at once, attention reads each segment's own history.
 */
public record ForwardBatch(List<Segment> segments) {
    /** {@code tokens} consecutive tokens of the sequence cached in {@code cache}. */
    public record Segment(KvStore cache, int tokens) {
        public Segment {
            if (tokens < 1) {
                throw new IllegalArgumentException("a segment needs at least one token");
            }
        }
    }

    public ForwardBatch {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a forward batch needs at least one segment");
        }
    }

    public static ForwardBatch single(KvStore cache, int tokens) {
        return new ForwardBatch(List.of(new Segment(cache, tokens)));
    }

    /** N: tokens over all segments. */
    public int totalTokens() {
        return segments.stream().mapToInt(Segment::tokens).sum();
    }

    /** Position of every token, segment after segment: {@code cache.length() + i}. */
    public long[] positions() {
        long[] out = new long[totalTokens()];
        int row = 0;
        for (Segment s : segments) {
            for (int i = 0; i < s.tokens(); i++) {
                out[row++] = s.cache().length() + i;
            }
        }
        return out;
    }

    /** Row of each segment's last token in the stacked input. */
    public int[] lastRows() {
        int[] out = new int[segments.size()];
        int row = -1;
        for (int i = 0; i < out.length; i++) {
            row += segments.get(i).tokens();
            out[i] = row;
        }
        return out;
    }
}
