package org.invllava.runtime.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ScalarsTest {
    /**
     * d(3x·x)/dx = 6x, every time, while the garbage collector runs between forward and backward. With DJL's own
     * {@code x.mul(3f)} most of these gradients came out wrong here (its scalar operand is closed at once).
     */
    @Test
    void gradientsThroughAConstantFactorSurviveGarbageCollection() {
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray x = root.create(new float[] {1, 2, 3});
            x.setRequiresGradient(true);
            for (int i = 0; i < 100; i++) {
                try (NDManager m = root.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray inScope = m.ones(x.getShape()).mul(x); // a result owned by the step manager m
                    NDArray y = Scalars.times(inScope, 3).mul(x).sum();
                    for (int j = 0; j < 50; j++) {
                        java.nio.ByteBuffer.allocateDirect(64).putFloat(0, 1e30f); // reuse freed native memory
                    }
                    System.gc();
                    gc.backward(y);
                }
                NDArray g = x.getGradient();
                assertEquals(6f, g.toFloatArray()[0], 1e-5, "iteration " + i);
                g.subi(g);
                g.close();
            }
        }
    }
}
