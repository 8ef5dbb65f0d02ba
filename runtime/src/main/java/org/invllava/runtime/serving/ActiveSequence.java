package org.invllava.runtime.serving;

import org.invllava.runtime.generate.Decoding;
import org.invllava.runtime.language.PagedKvCache;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.StepInput;

/**
 * A request inside the engine: its expanded prompt, the tokens picked so far ({@link Decoding}) and its KV blocks.
 * Known tokens = prompt + picked; the cache lags behind by one during decode (the last pick is fed next step),
 * by the prompt's rest during a chunked prefill, and by everything after a preemption (recomputed on readmission).
 */
final class ActiveSequence {
    final String id;
    final int[] promptIds;
    final ExpandedSequence prompt;
    final Decoding decoding;
    final GenerationCallbacks callbacks;
    final PagedKvCache cache;
    final Priority priority;

    ActiveSequence(String id, int[] promptIds, ExpandedSequence prompt, Decoding decoding, GenerationCallbacks callbacks,
                   PagedKvCache cache, Priority priority) {
        this.priority = priority;
        this.id = id;
        this.promptIds = promptIds;
        this.prompt = prompt;
        this.decoding = decoding;
        this.callbacks = callbacks;
        this.cache = cache;
    }

    boolean bulk() {
        return priority == Priority.BULK;
    }

    int knownTokens() {
        return prompt.length() + decoding.count();
    }

    /** Tokens not yet in the KV cache. */
    int uncached() {
        return knownTokens() - cache.length();
    }

    /** Whether the next step feeds this sequence only its last picked token. */
    boolean decoding() {
        return decoding.count() > 0 && uncached() == 1;
    }

    /** Adds the rows of the next {@code tokens} uncached positions to {@code in}. */
    void addRows(StepInput in, int tokens) {
        int from = cache.length();
        int promptEnd = Math.min(from + tokens, prompt.length());
        if (from < promptEnd) {
            in.addExpanded(prompt, from, promptEnd);
        }
        for (int p = Math.max(from, prompt.length()); p < from + tokens; p++) {
            in.addText(decoding.token(p - prompt.length()));
        }
    }

    /** Whether feeding {@code tokens} more positions reaches the last known token (so logits are needed). */
    boolean completesWith(int tokens) {
        return cache.length() + tokens == knownTokens();
    }
}
