package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;

/**
 * Products with a constant whose operand tensor lives as long as the result's manager. DJL's {@code x.mul(float)}
 * closes its scalar operand at once, and on the PyTorch engine that tensor shares memory the garbage collector
 * may then reuse; a backward pass that reads the saved scalar (the gradient of {@code c·x} needs c) then gets
 * garbage now and then. Used wherever a constant factor sits on a path gradients flow through.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code x · c}, c in x's dtype. */
    public static NDArray times(NDArray x, double c) {
        return x.mul(x.getManager().create((float) c).toType(x.getDataType(), false));
    }
}
