package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * No cache: a whole sequence in one forward call (training and scoring), whose keys and values are only this
 * call's. Nothing is written in place, so gradients flow through attention.
 */
public final class FreshKv implements KvStore {
    @Override
    public int length() {
        return 0;
    }

    @Override
    public NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
        return new NDArray[] {k.transpose(1, 0, 2), v.transpose(1, 0, 2)}; // [H_kv, T, D]
    }

    @Override
    public void advance(int tokens) {
        // nothing kept: the next call starts at position 0 again
    }
}
