package org.invllava.runtime.dpa;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.invllava.runtime.config.Json;
import org.invllava.runtime.tokenizer.Tokenizer;
import org.invllava.runtime.tokenizer.TokenizerException;

/**
 * Qwen's byte-level BPE ({@code Qwen2Tokenizer}: NFC, Qwen2's split regex, GPT-2's byte alphabet, special tokens
 * matched first, no BOS) read from a {@code tokenizer.json} by Hugging Face's own tokenizers library (DJL's binding;
 * its native library ships inside the jar, so it loads offline).
 */
public final class QwenTokenizer implements Tokenizer, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path source;
    private final byte[][] bytes; // per id: what it stands for; empty for special tokens and unused ids

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Path source, byte[][] bytes) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.bytes = bytes;
    }

    /** The tokenizer of {@code dir/tokenizer.json}. */
    public static QwenTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(dir + ": no tokenizer.json (the DPA family reads Qwen's fast tokenizer file)");
        }
        try {
            byte[][] bytes = tokenBytes(Json.readTree(file), file);
            return new QwenTokenizer(
                    HuggingFaceTokenizer.newInstance(
                            file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")),
                    file,
                    bytes);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + ": unreadable tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * Each id's bytes from {@code tokenizer.json}: a vocabulary token's characters mapped back through GPT-2's byte
     * alphabet ({@link ByteLevel}); an added token's content as UTF-8, or nothing when it is special (control tokens
     * such as {@code <|im_end|>} are not text).
     */
    static byte[][] tokenBytes(JsonNode json, Path file) {
        JsonNode vocab = json.path("model").path("vocab");
        if (!vocab.isObject() || !"BPE".equals(json.path("model").path("type").asText("BPE"))) {
            throw new TokenizerException(file + ": not a byte-level BPE tokenizer (no model.vocab)");
        }
        int size = 0;
        for (var it = vocab.fields(); it.hasNext(); ) {
            size = Math.max(size, it.next().getValue().asInt() + 1);
        }
        for (JsonNode added : json.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        byte[][] out = new byte[size][];
        Arrays.fill(out, new byte[0]);
        for (var it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out[e.getValue().asInt()] = ByteLevel.decode(e.getKey());
        }
        for (JsonNode added : json.path("added_tokens")) {
            out[added.path("id").asInt()] = added.path("special").asBoolean()
                    ? new byte[0]
                    : added.path("content").asText().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /** Ids up to the largest of the vocabulary and the added tokens (a model's embedding may have more rows). */
    @Override
    public int vocabSize() {
        return bytes.length;
    }

    @Override
    public byte[] tokenBytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id] : new byte[0];
    }

    /** The ids of {@code text}, special tokens written in it matched as such. */
    @Override
    public int[] encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids} as the library writes it (special tokens kept). */
    public String decodeWithSpecials(int[] ids) {
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
