package org.invllava.runtime.dpa;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's byte alphabet, which byte-level BPE vocabularies (Qwen's) are written in: every byte is one printable
 * character, the printable ASCII and Latin-1 bytes as themselves and the other 68 as U+0100 onwards, in byte order
 * ({@code bytes_to_unicode} of GPT-2's {@code encoder.py}).
 */
final class ByteLevel {
    private static final int[] BYTE_OF = new int[512]; // character → byte, −1 where none

    static {
        java.util.Arrays.fill(BYTE_OF, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_OF[printable ? b : 256 + extra++] = b;
        }
    }

    private ByteLevel() {}

    /** The bytes a vocabulary token's characters stand for; refuses a character outside the alphabet. */
    static byte[] decode(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < BYTE_OF.length ? BYTE_OF[c] : -1;
            if (b < 0) {
                throw new IllegalArgumentException(
                        "token " + token + ": U+" + Integer.toHexString(c) + " is not in the byte-level alphabet");
            }
            out.write(b);
        }
        return out.toByteArray();
    }
}
