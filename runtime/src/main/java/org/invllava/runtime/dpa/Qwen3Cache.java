package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The keys and values of one sequence, per layer {@code [S, Hkv, D]}, owned by the cache's manager. */
public final class Qwen3Cache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public Qwen3Cache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Positions cached so far (after every layer of the last step has appended). */
    public int length() {
        return length;
    }

    /** Appends layer {@code layer}'s new keys and values; returns all of that layer's keys and values. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = grow(keys[layer], k);
        values[layer] = grow(values[layer], v);
        if (layer == keys.length - 1) {
            length = (int) keys[layer].getShape().get(0);
        }
        return new NDArray[] {keys[layer], values[layer]};
    }

    private NDArray grow(NDArray old, NDArray next) {
        NDArray all = old == null ? next.duplicate() : old.concat(next, 0);
        all.attach(manager);
        if (old != null) {
            old.close();
        }
        return all;
    }

    @Override
    public void close() {
        manager.close();
    }
}
