package org.invllava.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Named tensors a model is wired from, each checked against the shape the model expects: a checkpoint on disk
 * ({@link TensorLoader}) or tensors held in memory ({@link TensorMap}: trainable parameters).
 */
public interface TensorSource {
    /** Where the tensors come from, for error messages. */
    String source();

    boolean contains(String name);

    /** The shape of {@code name}; a {@link WeightException} naming the source when it is absent. */
    long[] shape(String name);

    /** {@code name} in the compute dtype, failing unless its shape equals {@code expected}. */
    NDArray load(String name, long... expected);

    /** {@code name} as {@code type}, failing unless its shape equals {@code expected}. */
    NDArray load(String name, DataType type, long... expected);

    /** The caller no longer reads {@code array} (a loaded copy may be freed; held tensors are kept). */
    void release(NDArray array);

    /**
     * Whether products may take their weights into a packed layout ({@link org.invllava.runtime.nn.Linear#packed}):
     * true for weights read once from disk, false for tensors that change (training) or need gradients.
     */
    boolean packable();
}
