package org.invllava.runtime.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.function.Supplier;
import org.invllava.runtime.language.ForwardBatch;
import org.invllava.runtime.language.KvCache;
import org.invllava.runtime.language.LlamaModel;

/**
 * One sequence being generated: prefill fuses the whole expanded prompt, each decode step embeds one text
 * token (V = 0, text mask 1) and reuses the KV cache; positions continue.
 */
public final class Sequence implements AutoCloseable {
    private final NDManager manager;
    private final LlamaModel language;
    private final DataType dtype;
    private final Supplier<StepInput> inputs;
    private final KvCache cache;

    /** A sequence whose tensors live in {@code manager} (closed with it); {@code inputs} makes empty step inputs. */
    public Sequence(NDManager manager, LlamaModel language, DataType dtype, Supplier<StepInput> inputs) {
        this.manager = manager;
        this.language = language;
        this.dtype = dtype;
        this.inputs = inputs;
        this.cache = new KvCache(
                manager,
                language.config().numHiddenLayers(),
                language.maxPositions(),
                language.kvType(manager.getDevice()));
    }

    public int length() {
        return cache.length();
    }

    /** Runs the expanded prompt; returns the float32 logits of its last position. */
    public float[] prefill(ExpandedSequence seq) {
        return run(inputs.get().addExpanded(seq, 0, seq.length()));
    }

    /** Feeds one generated token; returns the logits for the next position. */
    public float[] decode(int tokenId) {
        return run(inputs.get().addText(tokenId));
    }

    private float[] run(StepInput input) {
        checkRoom(input.rows());
        try (NDManager step = manager.newSubManager()) {
            StepInput.Tensors in = input.tensors(step, language, dtype);
            return language.lastLogits(
                    language.forward(in.embeds(), in.streams(), ForwardBatch.single(cache, input.rows())));
        }
    }

    /** Allocates the KV cache for {@code tokens} positions up front (it otherwise grows by doubling). */
    public void reserve(int tokens) {
        var c = language.config();
        cache.reserve(tokens, c.numKeyValueHeads(), c.headDim(), language.kvType(manager.getDevice()));
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
