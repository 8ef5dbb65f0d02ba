package org.invllava.runtime.vision;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;

/** {@code fc2(quick_gelu(fc1(x)))}. */
record ClipMlp(Linear fc1, Linear fc2) {
    NDArray forward(NDArray x) {
        return fc2.forward(Activations.quickGelu(fc1.forward(x)));
    }
}
