package org.invllava.fusion.svc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.generate.Logprobs;
import org.invllava.runtime.tokenizer.Tokenizer;
import org.invllava.schemas.TokenLogprob;
import org.invllava.schemas.TopLogprob;

/** Log probabilities as the wire carries them: each token with its text and UTF-8 bytes, as OpenAI returns them. */
final class TokenTexts {
    private final Tokenizer tokenizer;

    TokenTexts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** A token's text; a byte that is only part of a UTF-8 character as {@code \xNN} (its bytes say which). */
    String text(int id) {
        String text = tokenizer.text(id);
        if (text != null) {
            return text;
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : tokenizer.tokenBytes(id)) {
            sb.append(String.format("\\x%02x", b & 0xFF));
        }
        return sb.toString();
    }

    /** The prompt's text as its tokens spell it (nothing stripped), for an echo. */
    String spell(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokenizer.tokenBytes(id));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    TokenLogprob of(Logprobs.Position p) {
        List<TopLogprob> top = new ArrayList<>();
        for (Logprobs.Entry e : p.top()) {
            top.add(new TopLogprob(e.tokenId(), text(e.tokenId()), bytes(e.tokenId()), e.logprob()));
        }
        return new TokenLogprob(
                p.token().tokenId(),
                text(p.token().tokenId()),
                bytes(p.token().tokenId()),
                p.token().logprob(),
                top);
    }

    /** A prompt's first token: no log probability. */
    TokenLogprob first(int id) {
        return new TokenLogprob(id, text(id), bytes(id), null, List.of());
    }

    private ByteBuffer bytes(int id) {
        return ByteBuffer.wrap(tokenizer.tokenBytes(id));
    }
}
