package org.invllava.runtime.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A model's vocabulary as generation uses it: plain text to ids, and each id back to the bytes it stands for (the
 * incremental detokenizer, log probabilities' texts, JSON constraints). LLaMA's SentencePiece ({@link LlamaTokenizer})
 * and Qwen's byte-level BPE implement it.
 */
public interface Tokenizer {
    int vocabSize();

    /** The ids of plain text, without BOS. */
    int[] encode(String text);

    /** The UTF-8 bytes token {@code id} stands for; empty for control tokens and ids outside the vocabulary. */
    byte[] tokenBytes(int id);

    /**
     * Token {@code id}'s text when its bytes are whole UTF-8 characters ("" for control tokens), or null when they are
     * only part of one.
     */
    default String text(int id) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(tokenBytes(id)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Joins the tokens' bytes as UTF-8 (invalid bytes become U+FFFD), skips control tokens, strips. */
    default String decode(int[] ids) {
        IncrementalDetokenizer d = new IncrementalDetokenizer(this);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.push(id));
        }
        sb.append(d.flush());
        return sb.toString().strip();
    }
}
