package org.invllava.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.weights.TensorSource;

/**
 * Random weights of whatever name and shape a model asks for (N(0, 1/fan_in) matrices, unit norms, small biases):
 * benches of a real shape without writing a checkpoint of tens of GB. LM heads are absent, so tied to embeddings.
 */
public final class RandomTensors implements TensorSource {
    private final NDManager manager;

    public RandomTensors(NDManager manager) {
        this.manager = manager;
    }

    @Override
    public String source() {
        return "random weights";
    }

    @Override
    public boolean contains(String name) {
        return !name.endsWith("lm_head.weight");
    }

    @Override
    public long[] shape(String name) {
        throw new UnsupportedOperationException("random weights have the shape asked for");
    }

    @Override
    public NDArray load(String name, long... expected) {
        return load(name, DataType.FLOAT32, expected);
    }

    @Override
    public NDArray load(String name, DataType type, long... expected) {
        Shape shape = new Shape(expected);
        if (expected.length == 1) {
            return name.contains("norm") || name.endsWith("ln_q.weight")
                    ? manager.ones(shape, type)
                    : manager.randomNormal(0, 0.01f, shape, type);
        }
        float std = (float) (1 / Math.sqrt(expected[expected.length - 1]));
        return manager.randomNormal(0, std, shape, type);
    }

    /** Frees a tensor the model has copied (merged q/k/v, gate/up): nothing else holds random weights. */
    @Override
    public void release(NDArray array) {
        array.close();
    }

    /** Read-only, as weights from disk: products may pack them and {@code --weights} formats apply. */
    @Override
    public boolean packable() {
        return true;
    }
}
