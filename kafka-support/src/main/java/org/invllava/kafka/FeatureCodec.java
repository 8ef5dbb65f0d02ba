package org.invllava.kafka;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.invllava.schemas.TensorDType;
import org.invllava.wire.Half;
import org.invllava.wire.PatchFeatures;

/** Feature tensors to and from the little-endian bytes of {@code vlm.features}. */
public final class FeatureCodec {
    private FeatureCodec() {}

    public static ByteBuffer toBytes(PatchFeatures f, TensorDType dtype) {
        ByteBuffer b = ByteBuffer.allocate(f.data().length * (dtype == TensorDType.F32 ? 4 : 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f.data()) {
            if (dtype == TensorDType.F32) {
                b.putFloat(v);
            } else {
                b.putShort(Half.fromFloat(v));
            }
        }
        return b.flip();
    }

    public static PatchFeatures fromBytes(ByteBuffer data, TensorDType dtype, List<Integer> shape) {
        if (shape.size() != 2) {
            throw new IllegalArgumentException("feature shape must be [patches, dim], got " + shape);
        }
        int n = shape.get(0) * shape.get(1);
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int width = dtype == TensorDType.F32 ? 4 : 2;
        if (b.remaining() != n * width) {
            throw new IllegalArgumentException("feature data has " + b.remaining() + " bytes, shape " + shape + " "
                    + dtype + " needs " + n * width);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = dtype == TensorDType.F32 ? b.getFloat() : Half.toFloat(b.getShort());
        }
        return new PatchFeatures(shape.get(0), shape.get(1), out);
    }
}
