package org.invllava.runtime.weights;

import ai.djl.ndarray.types.DataType;

/** Element types found in checkpoints (safetensors names; torch storage names map onto them). */
public enum DType {
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, null),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType djl;

    DType(int bytes, DataType djl) {
        this.bytes = bytes;
        this.djl = djl;
    }

    public int bytes() {
        return bytes;
    }

    /** The DJL type that can wrap this data directly; {@code null} for BF16, which DJL 0.36 cannot hold. */
    public DataType djlType() {
        return djl;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Parses a safetensors dtype string ("F32", "BF16", ...). */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported safetensors dtype " + name);
    }
}
