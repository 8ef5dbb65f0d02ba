package org.invllava.runtime.serving;

import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.generate.Decoding;
import org.invllava.runtime.generate.Logprobs;
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
    /**
     * The other choices of this request (n > 1) while this one computes their common prompt: each starts from a
     * share of its KV blocks and its last logits ({@link BatchEngine}); empty for the others.
     */
    final List<ActiveSequence> followers = new ArrayList<>();
    /** The prompt's log probabilities so far (position 0 has none: null), when asked for; restarted by a preemption. */
    final List<Logprobs.Position> promptLogprobs = new ArrayList<>();

    ActiveSequence(
            String id,
            int[] promptIds,
            ExpandedSequence prompt,
            Decoding decoding,
            GenerationCallbacks callbacks,
            PagedKvCache cache,
            Priority priority) {
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

    /** Whether this step's rows of a prefill are scored (the prompt's log probabilities, asked for and not yet given). */
    boolean scoresPrompt() {
        return decoding.options().promptLogprobs() && decoding.count() == 0;
    }

    /** Whether feeding {@code tokens} more positions reaches the last known token (so logits are needed). */
    boolean completesWith(int tokens) {
        return cache.length() + tokens == knownTokens();
    }
}
