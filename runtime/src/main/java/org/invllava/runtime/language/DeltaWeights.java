package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.invllava.runtime.nn.Scalars;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;
import org.invllava.runtime.weights.WeightException;

/**
 * The Inverse-LLaVA delta applied to the base LLaMA weights: LoRA folded at load
 * ({@code W ← W + (alpha/rank)·B·A}, in float32, then cast) and the fusion tensors.
 */
public final class DeltaWeights {
    static final String PREFIX = "language_model.";

    private final TensorSource base;
    private final TensorSource delta;
    private final double loraScale;
    private final DataType type;

    DeltaWeights(TensorSource base, TensorSource delta, double loraScale, DataType type) {
        this.base = base;
        this.delta = delta;
        this.loraScale = loraScale;
        this.type = type;
    }

    /**
     * The tensor {@code name} of {@code base} in float32, with the LoRA of {@code delta} folded in when the delta
     * adapts it ({@link #linear}): for writing a checkpoint with LoRA merged into the base weights.
     */
    public static NDArray folded(TensorSource base, TensorSource delta, double loraScale, String name) {
        long[] shape = base.shape(name);
        boolean adapted = name.endsWith(".weight")
                && shape.length == 2
                && delta.contains(PREFIX + name.substring(0, name.length() - ".weight".length()) + ".lora_a.weight");
        return adapted
                ? new DeltaWeights(base, delta, loraScale, DataType.FLOAT32).linear(name, shape[0], shape[1], true)
                : base.load(name, DataType.FLOAT32, shape);
    }

    /** Whether the wired products may be packed: only when every weight was read from disk once. */
    boolean packable() {
        return base.packable() && (delta == null || delta.packable());
    }

    /** The base weight {@code name} ([out, in]); LoRA is folded in when {@code requireLora}. */
    NDArray linear(String name, long out, long in, boolean requireLora) {
        String lora = PREFIX + name.substring(0, name.length() - ".weight".length());
        boolean present =
                delta != null && (delta.contains(lora + ".lora_a.weight") || delta.contains(lora + ".lora_b.weight"));
        if (!present) {
            if (requireLora) {
                throw new WeightException(delta.source() + ": missing tensor " + lora + ".lora_a.weight");
            }
            return base.load(name, out, in);
        }
        if (!requireLora) {
            throw new WeightException(
                    delta.source() + ": unexpected LoRA tensor " + lora + " on a layer excluded from adaptation");
        }
        long rank = delta.shape(lora + ".lora_a.weight")[0];
        NDArray w = base.load(name, DataType.FLOAT32, out, in);
        NDArray a = delta.load(lora + ".lora_a.weight", DataType.FLOAT32, rank, in);
        NDArray b = delta.load(lora + ".lora_b.weight", DataType.FLOAT32, out, rank);
        if (Scopes.recording()) { // training: the fold is part of the graph, nothing freed before backward
            return w.add(Scalars.times(b.matMul(a), loraScale)).toType(type, false);
        }
        NDManager owner = w.getManager();
        NDArray folded;
        try (NDManager scope = owner.newSubManager()) {
            NDArray update = b.matMul(a); // [out, in]
            update.attach(scope);
            NDArray sum = w.add(update.mul((float) loraScale));
            sum.attach(scope);
            folded = sum.toType(type, true);
            folded.attach(owner);
        }
        base.release(w);
        delta.release(a);
        delta.release(b);
        return folded;
    }

    /** Frees a base weight no longer read (unmapping it when it was mapped). */
    void release(NDArray weight) {
        base.release(weight);
    }

    /** Rows of {@code parts} stacked into one weight (merged projections); the parts are released. */
    NDArray merge(NDArray... parts) {
        NDArray merged = NDArrays.concat(new NDList(parts), 0);
        for (NDArray p : parts) {
            base.release(p);
        }
        return merged;
    }

    /** A fusion tensor of the delta, in the compute dtype. */
    NDArray fusion(String name, long... shape) {
        if (delta == null) {
            throw new WeightException("fusion layers configured but no Inverse-LLaVA delta given");
        }
        return delta.load(PREFIX + name, shape);
    }

    /** A scalar fusion scale ([] as specified, or [1] as some exports write it) in the compute dtype. */
    NDArray scalar(String name) {
        long[] shape = delta.shape(PREFIX + name);
        return delta.load(PREFIX + name, shape.length == 1 && shape[0] == 1 ? shape : new long[0]);
    }
}
