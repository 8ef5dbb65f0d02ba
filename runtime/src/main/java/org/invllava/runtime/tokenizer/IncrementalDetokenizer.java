package org.invllava.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated token ids into text deltas. Bytes of a UTF-8 character split across tokens are held
 * back until the character is complete, so no delta ever ends in half a character; invalid bytes become
 * U+FFFD. Leading whitespace of the answer is dropped, as the final stripped text drops it (unless asked not to).
 */
public final class IncrementalDetokenizer {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private boolean started;

    public IncrementalDetokenizer(Tokenizer tokenizer) {
        this(tokenizer, true);
    }

    /** {@code stripLeading} false: the text exactly as the tokens spell it, leading whitespace included. */
    public IncrementalDetokenizer(Tokenizer tokenizer, boolean stripLeading) {
        this.tokenizer = tokenizer;
        this.started = !stripLeading;
    }

    /** The text that token {@code id} completes; may be empty. */
    public String push(int id) {
        pending.writeBytes(tokenizer.tokenBytes(id));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return emit(decode(bytes, complete));
    }

    /** Whatever is still held back (an incomplete character becomes U+FFFD). */
    public String flush() {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        return emit(decode(bytes, bytes.length));
    }

    private String emit(String text) {
        if (started) {
            return text;
        }
        String trimmed = text.stripLeading();
        started = !trimmed.isEmpty();
        return trimmed;
    }

    private String decode(byte[] bytes, int len) {
        try {
            decoder.reset();
            CharBuffer out = decoder.decode(ByteBuffer.wrap(bytes, 0, len));
            return out.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e); // unreachable with REPLACE
        }
    }

    /** Length of the longest prefix that does not end inside a still-valid, incomplete UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int v = b[n - back] & 0xFF;
            if ((v & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for the lead
            }
            int need = v >= 0xF5 ? 1 : v >= 0xF0 ? 4 : v >= 0xE0 ? 3 : v >= 0xC2 ? 2 : 1;
            return back < need ? n - back : n;
        }
        return n;
    }
}
