package org.invllava.runtime.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Runs a block so that its intermediates are freed when it returns; only the result survives. While gradients are
 * recorded (training) nothing is freed early: the backward pass reads saved tensors, and a tensor made from Java
 * data (a scalar operand, a mask) shares that data's memory, which closing it would hand back.
 */
public final class Scopes {
    private Scopes() {}

    /** Whether the engine is recording operations for a backward pass (inside a gradient collector). */
    public static boolean recording() {
        return JniUtils.isGradMode();
    }

    /**
     * Runs {@code work} with gradient recording off on this thread, then restores the thread's mode. PyTorch keeps the
     * mode per thread, and it is on by default on every thread but the one that loaded the engine: on a service's
     * worker or an evaluation's pool {@link #scoped} would otherwise keep every intermediate (a 2212×2212 picture
     * through DPA's tower took 20 GB). For inference entry points; never inside a gradient collector.
     */
    public static <T> T inference(Supplier<T> work) {
        boolean was = JniUtils.isGradMode();
        if (was) {
            JniUtils.setGradMode(false);
        }
        try {
            return work.get();
        } finally {
            if (was) {
                JniUtils.setGradMode(true);
            }
        }
    }

    public static NDArray scoped(NDArray input, UnaryOperator<NDArray> block) {
        if (recording()) {
            return block.apply(input);
        }
        NDManager parent = input.getManager();
        try (NDManager scope = parent.newSubManager()) {
            input.tempAttach(scope);
            NDArray out = block.apply(input);
            out.attach(parent);
            return out;
        }
    }
}
