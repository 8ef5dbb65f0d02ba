package org.invllava.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private final float[] logits = {0.1f, 2.0f, 1.9f, -1f, 2.0f, 0.5f};

    private static SamplingParams params(double temperature, double topP, int topK, long seed) {
        return new SamplingParams(16, temperature, topP, topK, seed, List.of());
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, new Sampler(SamplingParams.greedy(1)).next(logits));
        assertEquals(1, Sampler.argMax(logits));
    }

    @Test
    void sameSeedSameSequenceDifferentSeedDifferentSequence() {
        Sampler a = new Sampler(params(1.0, 1.0, 0, 42));
        Sampler b = new Sampler(params(1.0, 1.0, 0, 42));
        Sampler c = new Sampler(params(1.0, 1.0, 0, 43));
        StringBuilder sa = new StringBuilder();
        StringBuilder sb = new StringBuilder();
        StringBuilder sc = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            sa.append(a.next(logits));
            sb.append(b.next(logits));
            sc.append(c.next(logits));
        }
        assertEquals(sa.toString(), sb.toString());
        assertNotEquals(sa.toString(), sc.toString());
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        Sampler k2 = new Sampler(params(5.0, 1.0, 2, 1));
        Sampler p = new Sampler(params(1.0, 0.3, 0, 1));
        Set<Integer> seenK = new HashSet<>();
        Set<Integer> seenP = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seenK.add(k2.next(logits));
            seenP.add(p.next(logits));
        }
        assertEquals(Set.of(1, 4), seenK); // the two largest (tied) logits only
        assertEquals(Set.of(1), seenP); // nucleus of 0.3 holds the top token alone
        Sampler hot = new Sampler(params(100.0, 1.0, 0, 1));
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            all.add(hot.next(logits));
        }
        assertEquals(6, all.size());
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> params(-1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> params(Double.NaN, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> params(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> params(1, 1.5, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> params(1, 1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(0, 0, 1, 0, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 1, 0, 0, List.of("")));
    }

    @Test
    void topLogitsAreSortedLargestFirst() {
        Sampler.TopLogit[] top = Sampler.topK(logits, 3);
        assertEquals(1, top[0].id());
        assertEquals(4, top[1].id());
        assertEquals(2, top[2].id());
        assertTrue(top[0].logit() >= top[2].logit());
    }
}
