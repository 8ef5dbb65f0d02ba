package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/** Row gathers. */
final class Rows {
    private Rows() {}

    /** Rows {@code index[0]}, {@code index[1]}, … of {@code x} (first axis). */
    static NDArray at(NDManager m, NDArray x, int[] index) {
        long[] rows = new long[index.length];
        for (int i = 0; i < index.length; i++) {
            rows[i] = index[i];
        }
        return x.get(new NDIndex("{}", m.create(rows)));
    }
}
