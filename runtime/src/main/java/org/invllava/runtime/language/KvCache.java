package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of one sequence, per layer, in preallocated [H_kv, capacity, D] buffers written in
 * place; capacity doubles when full (so appends cost amortised O(new tokens)), up to the context length.
 */
public final class KvCache implements KvStore, AutoCloseable {
    private static final int MIN_CAPACITY = 256;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int maxLength;
    private final DataType storage; // null: the dtype of the first keys appended
    private int length;

    public KvCache(NDManager parent, int layers, int maxLength) {
        this(parent, layers, maxLength, null);
    }

    /** A cache holding keys and values in {@code storage} (e.g. float16 for float32 activations), whatever comes in. */
    public KvCache(NDManager parent, int layers, int maxLength, DataType storage) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.maxLength = maxLength;
        this.storage = storage;
    }

    @Override
    public int length() {
        return length;
    }

    /** As {@link KvStore#append}; the cached views are slices of this cache's buffers (no copy). */
    @Override
    public NDArray[] append(int layer, NDArray kNew, NDArray vNew, NDManager scope) {
        int t = put(layer, kNew, vNew);
        NDIndex filled = new NDIndex(":, 0:" + (length + t) + ", :");
        return new NDArray[] {keys[layer].get(scope, filled), values[layer].get(scope, filled)};
    }

    /** As {@link #append}, the layer's buffers [H_kv, capacity, D] read in place: position s at s · D, head h at h · capacity · D. */
    @Override
    public KvView write(int layer, NDArray kNew, NDArray vNew) {
        int t = put(layer, kNew, vNew);
        Shape shape = keys[layer].getShape(); // [H_kv, capacity, D]
        long[] positions = new long[length + t];
        for (int p = 0; p < positions.length; p++) {
            positions[p] = p;
        }
        return new KvView(keys[layer], values[layer], positions, shape.get(2), shape.get(1) * shape.get(2));
    }

    @Override
    public boolean readsInPlace() {
        return true;
    }

    /** Writes {@code kNew}, {@code vNew} [T, H_kv, D] at positions {@code length ..}; returns T. */
    private int put(int layer, NDArray kNew, NDArray vNew) {
        NDArray k = stored(kNew).transpose(1, 0, 2); // [H_kv, T, D]
        NDArray v = stored(vNew).transpose(1, 0, 2);
        int t = (int) k.getShape().get(1);
        keys[layer] = ensureCapacity(keys[layer], k, length + t);
        values[layer] = ensureCapacity(values[layer], v, length + t);
        NDIndex slot = new NDIndex(":, " + length + ":" + (length + t) + ", :");
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        return t;
    }

    private NDArray stored(NDArray x) {
        return storage == null ? x : x.toType(storage, false);
    }

    private NDArray ensureCapacity(NDArray buffer, NDArray like, int needed) {
        long capacity = buffer == null ? 0 : buffer.getShape().get(1);
        if (needed <= capacity) {
            return buffer;
        }
        long grown = Math.min(maxLength, Math.max(needed, Math.max(MIN_CAPACITY, capacity * 2)));
        if (buffer != null && buffer.getDataType() != like.getDataType()) {
            throw new IllegalStateException("KV cache holds " + buffer.getDataType() + ", got " + like.getDataType());
        }
        Shape s = like.getShape();
        NDArray next = manager.zeros(new Shape(s.get(0), grown, s.get(2)), like.getDataType()); // [H_kv, cap, D]
        if (buffer != null) {
            NDIndex filled = new NDIndex(":, 0:" + length + ", :");
            NDArray old = buffer.get(filled); // a view: closed before the buffer so no storage outlives it
            next.set(filled, old);
            old.close();
            buffer.close();
        }
        return next;
    }

    /** Allocates every layer's buffers for {@code tokens} positions now (capacity planning, memory checks). */
    public void reserve(int tokens, long kvHeads, long headDim, DataType type) {
        int capacity = Math.min(tokens, maxLength);
        for (int layer = 0; layer < keys.length; layer++) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray like = scope.zeros(new Shape(kvHeads, 1, headDim), type);
                keys[layer] = ensureCapacity(keys[layer], like, capacity);
                values[layer] = ensureCapacity(values[layer], like, capacity);
            }
        }
    }

    @Override
    public void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
