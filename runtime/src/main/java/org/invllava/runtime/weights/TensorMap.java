package org.invllava.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tensors held in memory by name (trainable parameters, frozen weights loaded once): {@link #load} hands out the
 * held tensor itself, so a model wired from it computes with it (and gradients reach it); nothing is released.
 */
public final class TensorMap implements TensorSource {
    private final String source;
    private final Map<String, NDArray> tensors;
    private final NDManager step; // or null
    private final Set<String> attached = new HashSet<>();

    public TensorMap(String source, Map<String, NDArray> tensors) {
        this(source, tensors, null);
    }

    private TensorMap(String source, Map<String, NDArray> tensors, NDManager step) {
        this.source = source;
        this.tensors = new LinkedHashMap<>(tensors);
        this.step = step;
    }

    /**
     * These tensors for one step of work in {@code step}: each loaded tensor is temporarily attached to it, so what
     * is computed from it (a merged projection, a LoRA fold) belongs to {@code step} and is freed with it, while the
     * held tensor returns to its own manager.
     */
    public TensorMap within(NDManager step) {
        return new TensorMap(source, tensors, step);
    }

    @Override
    public String source() {
        return source;
    }

    /** The names, in the order the tensors were given. */
    public java.util.List<String> names() {
        return java.util.List.copyOf(tensors.keySet());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public long[] shape(String name) {
        return require(name).getShape().getShape();
    }

    @Override
    public NDArray load(String name, long... expected) {
        return check(name, expected);
    }

    @Override
    public NDArray load(String name, DataType type, long... expected) {
        NDArray t = check(name, expected);
        return t.getDataType() == type ? t : t.toType(type, false);
    }

    @Override
    public void release(NDArray array) {
        // held tensors outlive the model built from them
    }

    @Override
    public boolean packable() {
        return false;
    }

    private NDArray check(String name, long[] expected) {
        NDArray t = require(name);
        if (step != null && attached.add(name)) {
            t.tempAttach(step);
        }
        if (!Arrays.equals(t.getShape().getShape(), expected)) {
            throw new WeightException(source + ": tensor " + name + " has shape " + t.getShape() + ", expected "
                    + Arrays.toString(expected));
        }
        return t;
    }

    private NDArray require(String name) {
        NDArray t = tensors.get(name);
        if (t == null) {
            throw new WeightException(source + ": missing tensor " + name);
        }
        return t;
    }
}
