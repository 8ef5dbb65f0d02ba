package org.invllava.runtime.generate;

import java.util.List;

/**
 * How to pick tokens: temperature 0 is greedy; otherwise logits/temperature, then top-k (0 = off),
 * then top-p (1 = off), sampled with a generator seeded by {@code seed}. Generation stops at EOS,
 * at any of {@code stop} (the text ends before it) or after {@code maxNewTokens}.
 */
public record SamplingParams(
        int maxNewTokens, double temperature, double topP, int topK, long seed, List<String> stop) {
    public static final int DEFAULT_MAX_NEW_TOKENS = 256;

    public SamplingParams {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(maxNewTokens, 0, 1, 0, 0, List.of());
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
