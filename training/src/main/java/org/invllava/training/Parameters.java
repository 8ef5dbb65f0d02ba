package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorMap;

/**
 * The trainable tensors of a run by checkpoint name, each recording gradients, in a manager of their own. A model
 * wired from {@link #source} computes with these very tensors, so a backward pass fills their gradients.
 */
public final class Parameters implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    public Parameters(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** Adds {@code name} with the given values, float32, recording gradients. */
    public NDArray add(String name, float[] values, long... shape) {
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("parameter " + name + " added twice");
        }
        NDArray t = manager.create(values, new Shape(shape));
        t.setRequiresGradient(true);
        tensors.put(name, t);
        return t;
    }

    public Map<String, NDArray> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public NDArray get(String name) {
        NDArray t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return t;
    }

    /** Adds each of {@code names} with its value in {@code start} as the starting value. */
    public void addFrom(TensorMap start, List<String> names) {
        for (String name : names) {
            long[] shape = start.shape(name);
            add(name, start.load(name, shape).toFloatArray(), shape);
        }
    }

    /** Adds every parameter to {@code w} as float32. */
    public void writeTo(SafetensorsWriter w) {
        tensors.forEach((name, t) -> addF32(w, name, t));
    }

    /** Adds {@code t} to {@code w} as float32 under {@code name}. */
    static void addF32(SafetensorsWriter w, String name, NDArray t) {
        w.addFloats(name, DType.F32, t.getShape().getShape(), t.toFloatArray());
    }

    /** How many numbers are trained. */
    public long count() {
        return tensors.values().stream().mapToLong(t -> t.getShape().size()).sum();
    }

    /** The parameters as a tensor source to wire a model from (names as in the checkpoint). */
    public TensorMap source(String label) {
        return new TensorMap(label, tensors);
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
