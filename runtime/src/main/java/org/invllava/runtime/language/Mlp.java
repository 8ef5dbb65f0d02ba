package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;

/** {@code down(silu(gate(x)) · up(x))}, gate_proj and up_proj merged into one [2·F, D] projection. */
record Mlp(Linear gateUp, Linear down, long ffn) {
    NDArray forward(NDArray x) {
        NDArray gu = gateUp.forward(x); // [T, 2F]
        NDArray gate = gu.get(new NDIndex(":, 0:" + ffn)); // [T, F]
        NDArray up = gu.get(new NDIndex(":, " + ffn + ":")); // [T, F]
        return down.forward(Activations.silu(gate).mul(up));
    }
}
