package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;

/** {@code down(silu(gate(x)) · up(x))}. */
record Mlp(Linear gate, Linear up, Linear down) {
    NDArray forward(NDArray x) {
        return down.forward(Activations.silu(gate.forward(x)).mul(up.forward(x)));
    }
}
