package org.invllava.wire;

/** Patch features of one image: {@code data} is [patches, dim] row-major float32. */
public record PatchFeatures(int patches, int dim, float[] data) {
    public PatchFeatures {
        if ((long) patches * dim != data.length) {
            throw new IllegalArgumentException("features of " + data.length + " floats are not " + patches + "x" + dim);
        }
    }
}
