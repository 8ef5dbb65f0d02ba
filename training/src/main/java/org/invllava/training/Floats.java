package org.invllava.training;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.TensorInfo;
import org.invllava.runtime.weights.WeightException;

/** Float32 tensors of a checkpoint read into Java arrays. */
final class Floats {
    private Floats() {}

    static float[] read(Checkpoint c, String name) {
        TensorInfo info = c.require(name);
        if (info.dtype() != DType.F32) {
            throw new WeightException(c.source() + ": " + name + " is " + info.dtype() + ", training state is F32");
        }
        ByteBuffer b = info.read().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[Math.toIntExact(info.numel())];
        b.asFloatBuffer().get(out);
        return out;
    }
}
