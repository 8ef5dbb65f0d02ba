package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/** Runs a block so that its intermediates are freed when it returns; only the result survives. */
public final class Scopes {
    private Scopes() {
    }

    public static NDArray scoped(NDArray input, UnaryOperator<NDArray> block) {
        NDManager parent = input.getManager();
        try (NDManager scope = parent.newSubManager()) {
            input.tempAttach(scope);
            NDArray out = block.apply(input);
            out.attach(parent);
            return out;
        }
    }
}
