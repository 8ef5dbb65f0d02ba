package org.invllava.runtime.generate.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.invllava.runtime.tokenizer.Tokenizer;
import org.invllava.wire.json.JsonMatcher;

/**
 * A tokenizer's vocabulary as a trie of the tokens' texts, so that which tokens may come next is found by one walk
 * that drops a whole subtree at the first character that cannot come. Tokens without a text of their own (control,
 * unknown, a byte that is only part of a UTF-8 character) and tokens longer than {@link JsonMatcher#KEY_HORIZON} are not
 * in it: a constrained answer never picks them.
 */
final class TokenTrie {
    final char[] chars;
    final TokenTrie[] children;
    /** Tokens whose text ends at this node. */
    final int[] tokens;

    private TokenTrie(char[] chars, TokenTrie[] children, int[] tokens) {
        this.chars = chars;
        this.children = children;
        this.tokens = tokens;
    }

    /** Each token's text, or null when it has none of its own. */
    static String[] texts(Tokenizer tokenizer) {
        String[] out = new String[tokenizer.vocabSize()];
        for (int id = 0; id < out.length; id++) {
            String text = tokenizer.text(id); // null: part of a character, not allowed in a constrained answer
            out[id] = text == null || text.isEmpty() ? null : text;
        }
        return out;
    }

    static TokenTrie of(String[] texts) {
        Builder root = new Builder();
        for (int id = 0; id < texts.length; id++) {
            if (texts[id] != null && texts[id].length() <= JsonMatcher.KEY_HORIZON) { // longer ones: never in an answer
                Builder b = root;
                for (int i = 0; i < texts[id].length(); i++) {
                    b = b.children.computeIfAbsent(texts[id].charAt(i), c -> new Builder());
                }
                b.tokens.add(id);
            }
        }
        return root.build();
    }

    private static final class Builder {
        final Map<Character, Builder> children = new TreeMap<>();
        final List<Integer> tokens = new ArrayList<>();

        TokenTrie build() {
            char[] cs = new char[children.size()];
            TokenTrie[] kids = new TokenTrie[children.size()];
            int i = 0;
            for (Map.Entry<Character, Builder> e : children.entrySet()) {
                cs[i] = e.getKey();
                kids[i++] = e.getValue().build();
            }
            return new TokenTrie(
                    cs, kids, tokens.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
