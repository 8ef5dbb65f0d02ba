package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorInfo;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.runtime.weights.TensorMap;

/** A checkpoint read once into memory as float32 tensors that record no gradients (the frozen parts). */
final class FrozenWeights {
    private FrozenWeights() {}

    /** {@code path}: a checkpoint directory or one weights file. */
    static TensorMap load(Path path, NDManager manager) {
        Checkpoint checkpoint = Files.isDirectory(path) ? Checkpoint.open(path) : Checkpoint.openFile(path);
        TensorLoader loader = new TensorLoader(checkpoint, manager, DataType.FLOAT32);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TensorInfo> e : checkpoint.tensors().entrySet()) {
            NDArray t = loader.load(e.getKey(), e.getValue().shape()).duplicate(); // own memory, not the mapped file
            tensors.put(e.getKey(), t);
        }
        return new TensorMap(path.toString(), tensors);
    }
}
