package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Keys and values of one sequence, per layer, each [H_kv, S, D], owned by the cache's own manager. */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of positions already cached. */
    public int length() {
        return length;
    }

    /** Appends [H_kv, T, D] keys/values to {@code layer} and returns everything cached so far. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = extend(keys[layer], k);
        values[layer] = extend(values[layer], v);
        return new NDArray[] {keys[layer], values[layer]};
    }

    private NDArray extend(NDArray old, NDArray add) {
        NDArray next = old == null ? add.duplicate() : old.concat(add, 1); // [H_kv, S+T, D]
        next.attach(manager);
        if (old != null) {
            old.close();
        }
        return next;
    }

    /** Called once every layer has appended the step's tokens. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
