package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;

/**
 * A Qwen3 decoder ({@code Qwen3Model}) whose rotary the caller gives: DPA's perceiver LLM with M-RoPE (its hidden
 * states are the features; no head). The thinker, 1D rotary, runs on the serving engine's {@code LlamaModel}.
 */
public final class Qwen3Decoder {
    private final LlamaConfig config;
    private final NDArray embedTokens; // [V, C]
    private final List<Qwen3Layer> layers;
    private final RmsNorm norm;

    private Qwen3Decoder(LlamaConfig config, NDArray embed, List<Qwen3Layer> layers, RmsNorm norm) {
        this.config = config;
        this.embedTokens = embed;
        this.layers = layers;
        this.norm = norm;
    }

    /** The decoder under {@code prefix} ({@code embed_tokens}, {@code layers.i}, {@code norm}), without a head. */
    public static Qwen3Decoder load(TensorSource w, String prefix, LlamaConfig c) {
        NDArray embed = w.load(prefix + "embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        List<Qwen3Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(Qwen3Layer.load(w, prefix + "layers." + i + ".", c));
        }
        RmsNorm norm = new RmsNorm(
                w.load(prefix + "norm.weight", c.hiddenSize()), c.rmsNormEps().floatValue());
        return new Qwen3Decoder(c, embed, layers, norm);
    }

    public LlamaConfig config() {
        return config;
    }

    /** The embedding rows of {@code ids}: [T, C]. */
    public NDArray embed(NDManager m, int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        return Rows.at(m, embedTokens, ids);
    }

    /** The hidden states after the final norm [T, C] of a whole prompt's rows {@code x} [T, C], causally. */
    public NDArray forward(NDArray x, Rotary rope) {
        for (Qwen3Layer layer : layers) {
            x = Scopes.scoped(x, in -> layer.forward(in, rope)); // intermediates freed per layer
        }
        return norm.forward(x);
    }
}
