package org.invllava.runtime.generate.json;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.invllava.runtime.generate.TokenConstraint;
import org.invllava.runtime.tokenizer.Tokenizer;
import org.invllava.wire.json.JsonMatcher;
import org.invllava.wire.json.JsonSchema;

/**
 * Structured outputs: one sequence's answer held to compact JSON valid against a schema. Before each pick, the
 * tokens whose text cannot continue the document from the matcher's state are masked, end-of-sequence included until
 * the document is complete, and only end-of-sequence once it is. The allowed set of a state is found by one walk of
 * the vocabulary trie and cached per schema and state ({@link Grammar}), so the steps of a long string or a repeated
 * structure reuse it.
 */
public final class JsonConstraint implements TokenConstraint {
    private static final Map<Tokenizer, Vocabulary> VOCABULARIES = new WeakHashMap<>();

    private final Grammar grammar;
    private JsonMatcher.State state;

    private JsonConstraint(Grammar grammar) {
        this.grammar = grammar;
        this.state = JsonMatcher.start(grammar.schema);
    }

    /** A tokenizer's token texts and trie, built once per tokenizer. */
    record Vocabulary(String[] texts, TokenTrie trie) {}

    /** A compiled schema over one vocabulary, with its cache of allowed sets; shared by the sequences using it. */
    public static final class Grammar {
        /** Allowed sets kept per schema, at most (least recently used dropped). */
        static final int CACHED_STATES = 2048;

        private final JsonSchema schema;
        private final Vocabulary vocabulary;
        private final List<Integer> eos;
        private final Map<String, BitSet> allowed = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, BitSet> e) {
                return size() > CACHED_STATES;
            }
        };

        Grammar(JsonSchema schema, Vocabulary vocabulary, List<Integer> eos) {
            this.schema = schema;
            this.vocabulary = vocabulary;
            this.eos = List.copyOf(eos);
        }

        /** A constraint for one more sequence. */
        public JsonConstraint newConstraint() {
            return new JsonConstraint(this);
        }

        private long walks;
        private long walkNanos;
        private long masks;
        private long maskNanos;

        /** What this grammar's masks cost so far: trie walks (new states) and masks applied, with their time. */
        public record Stats(long walks, long walkNanos, long masks, long maskNanos) {}

        public synchronized Stats stats() {
            return new Stats(walks, walkNanos, masks, maskNanos);
        }

        synchronized BitSet allowed(JsonMatcher.State s) {
            return allowed.computeIfAbsent(s.toString(), k -> {
                long t0 = System.nanoTime();
                BitSet out = walk(vocabulary.trie(), s, new BitSet());
                walks++;
                walkNanos += System.nanoTime() - t0;
                return out;
            });
        }

        synchronized void masked(long nanos) {
            masks++;
            maskNanos += nanos;
        }

        private static BitSet walk(TokenTrie node, JsonMatcher.State s, BitSet out) {
            for (int i = 0; i < node.chars.length; i++) {
                JsonMatcher.State next = JsonMatcher.advance(s, node.chars[i]);
                if (next != null) {
                    TokenTrie child = node.children[i];
                    for (int t : child.tokens) {
                        out.set(t);
                    }
                    walk(child, next, out);
                }
            }
            return out;
        }
    }

    /** {@code schema} over {@code tokenizer}'s vocabulary; {@code eos}: the ids that end a sequence. */
    public static Grammar grammar(JsonSchema schema, Tokenizer tokenizer, List<Integer> eos) {
        Vocabulary v;
        synchronized (VOCABULARIES) {
            v = VOCABULARIES.computeIfAbsent(tokenizer, t -> {
                String[] texts = TokenTrie.texts(t);
                return new Vocabulary(texts, TokenTrie.of(texts));
            });
        }
        return new Grammar(schema, v, eos);
    }

    @Override
    public void mask(float[] logits) {
        long t0 = System.nanoTime();
        boolean end = state != null && JsonMatcher.canEnd(state);
        BitSet ok = state == null ? new BitSet() : grammar.allowed(state);
        if (ok.isEmpty()) {
            end = true; // no token continues it (a vocabulary without the character needed): let the answer end
        }
        for (int i = ok.nextClearBit(0); i < logits.length; i = ok.nextClearBit(i + 1)) {
            if (!(end && grammar.eos.contains(i))) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        grammar.masked(System.nanoTime() - t0);
    }

    @Override
    public void accept(int tokenId) {
        if (state == null || grammar.eos.contains(tokenId)) {
            return;
        }
        String text =
                tokenId < grammar.vocabulary.texts().length ? grammar.vocabulary.texts()[tokenId] : null;
        state = text == null ? null : JsonMatcher.advance(state, text);
    }

    /** Whether the answer so far is a complete document. */
    public boolean complete() {
        return state != null && JsonMatcher.canEnd(state);
    }
}
