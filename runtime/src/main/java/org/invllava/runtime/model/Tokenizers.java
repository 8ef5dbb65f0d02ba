package org.invllava.runtime.model;

import java.nio.file.Path;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.weights.WeightException;

/** The tokenizer of a language checkpoint, checked against its model. */
public final class Tokenizers {
    private Tokenizers() {}

    /** {@code dir}'s {@code tokenizer.model}, which must not have more pieces than the model's vocabulary. */
    public static LlamaTokenizer load(Path dir, LlamaConfig config) {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(dir.resolve("tokenizer.model"));
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new WeightException(dir + ": tokenizer has " + tokenizer.vocabSize()
                    + " pieces, more than vocab_size " + config.vocabSize());
        }
        return tokenizer;
    }
}
