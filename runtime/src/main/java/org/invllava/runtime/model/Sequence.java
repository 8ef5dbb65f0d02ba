package org.invllava.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.language.FusionStreams;
import org.invllava.runtime.language.KvCache;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.nn.Fp16OnCpu;

/**
 * One sequence being generated: prefill fuses the whole expanded prompt, each decode step embeds one text
 * token (V = 0, text mask 1) and reuses the KV cache; positions continue.
 */
public final class Sequence implements AutoCloseable {
    private final NDManager manager;
    private final LlamaModel language;
    private final DataType dtype;
    private final int visualDim;
    private final KvCache cache;

    Sequence(NDManager parent, LlamaModel language, DataType dtype, int visualDim) {
        this.manager = parent.newSubManager();
        this.language = language;
        this.dtype = dtype;
        this.visualDim = visualDim;
        this.cache = new KvCache(manager, language.config().numHiddenLayers(), language.maxPositions());
    }

    public int length() {
        return cache.length();
    }

    /** Runs the expanded prompt; returns the float32 logits of its last position. */
    public float[] prefill(ExpandedSequence seq) {
        int t = seq.length();
        checkRoom(t);
        try (NDManager step = manager.newSubManager()) {
            float[] text = new float[t];
            float[] vision = new float[t];
            for (int i = 0; i < t; i++) {
                text[i] = seq.isPatch()[i] ? 0f : 1f;
                vision[i] = seq.isPatch()[i] ? 1f : 0f;
            }
            NDArray textMask = step.create(text, new Shape(t, 1)).toType(dtype, false); // [T, 1]
            NDArray embeds = language.embed(step, seq.tokenIds()).mul(textMask); // [T, D], zero at patch slots
            FusionStreams streams = new FusionStreams(
                    step.create(seq.visual(), new Shape(t, seq.visualDim())).toType(dtype, false), // [T, d_v]
                    textMask, step.create(vision, new Shape(t, 1)).toType(dtype, false));
            return language.lastLogits(language.forward(embeds, streams, cache));
        }
    }

    /** Feeds one generated token; returns the logits for the next position. */
    public float[] decode(int tokenId) {
        checkRoom(1);
        try (NDManager step = manager.newSubManager()) {
            NDArray embeds = language.embed(step, new long[] {tokenId}); // [1, D]
            FusionStreams streams = new FusionStreams(step.zeros(new Shape(1, visualDim), dtype),
                    step.ones(new Shape(1, 1), dtype), step.zeros(new Shape(1, 1), dtype));
            return language.lastLogits(language.forward(embeds, streams, cache));
        }
    }

    /** Allocates the KV cache for {@code tokens} positions up front (it otherwise grows by doubling). */
    public void reserve(int tokens) {
        var c = language.config();
        cache.reserve(tokens, c.numKeyValueHeads(), c.headDim(),
                Fp16OnCpu.attentionType(dtype, manager.getDevice()));
    }

    private void checkRoom(int tokens) {
        if (cache.length() + tokens > language.maxPositions()) {
            throw new ContextLengthException(cache.length() + tokens, language.maxPositions());
        }
    }

    @Override
    public void close() {
        cache.close();
        manager.close();
    }
}
