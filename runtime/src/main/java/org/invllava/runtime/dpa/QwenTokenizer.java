package org.invllava.runtime.dpa;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.invllava.runtime.tokenizer.TokenizerException;

/**
 * Qwen's byte-level BPE ({@code Qwen2Tokenizer}: NFC, Qwen2's split regex, GPT-2's byte alphabet, special tokens
 * matched first, no BOS) read from a {@code tokenizer.json} by Hugging Face's own tokenizers library (DJL's binding;
 * its native library ships inside the jar, so it loads offline).
 */
public final class QwenTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path source;

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Path source) {
        this.tokenizer = tokenizer;
        this.source = source;
    }

    /** The tokenizer of {@code dir/tokenizer.json}. */
    public static QwenTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(dir + ": no tokenizer.json (the DPA family reads Qwen's fast tokenizer file)");
        }
        try {
            return new QwenTokenizer(
                    HuggingFaceTokenizer.newInstance(
                            file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")),
                    file);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + ": unreadable tokenizer: " + e.getMessage(), e);
        }
    }

    /** The ids of {@code text}, special tokens written in it matched as such. */
    public int[] encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids} (special tokens kept). */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, false);
    }

    /** The id of the special token {@code token}; an error naming the file when it is not one token. */
    public int id(String token) {
        int[] ids = encode(token);
        if (ids.length != 1) {
            throw new TokenizerException(source + ": " + token + " is not a single token (" + ids.length + " ids)");
        }
        return ids[0];
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
