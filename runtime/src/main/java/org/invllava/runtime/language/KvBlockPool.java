package org.invllava.runtime.language;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The KV memory of one serving instance, as vLLM's block manager: per layer one key and one value tensor of
 * {@code blocks · blockSize} slots [slots, H_kv, D], allocated once; sequences own whole blocks through a block
 * table ({@link PagedKvCache}), so a sequence holds memory for its actual length (rounded up to a block), never
 * for the context length. Not thread-safe: one engine thread owns it.
 */
public final class KvBlockPool implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys; // per layer [slots, H_kv, D]
    private final NDArray[] values;
    private final int blockSize;
    private final int blocks;
    private final Deque<Integer> free = new ArrayDeque<>();
    /** Per block, the caches holding it (0: free); a block held by several is shared and never written. */
    private final int[] holders;

    private final long bytesPerToken;

    /** A pool of {@code blocks} blocks of {@code blockSize} positions for {@code model}, in its KV dtype. */
    public KvBlockPool(LlamaModel model, int blocks, int blockSize, NDManager parent) {
        if (blocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("KV pool needs at least one block of at least one position");
        }
        var c = model.config();
        DataType type = model.kvType(parent.getDevice());
        this.manager = parent.newSubManager();
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.keys = new NDArray[c.numHiddenLayers()];
        this.values = new NDArray[c.numHiddenLayers()];
        Shape shape = new Shape((long) blocks * blockSize, c.numKeyValueHeads(), c.headDim()); // [slots, H_kv, D]
        for (int l = 0; l < keys.length; l++) {
            keys[l] = manager.zeros(shape, type);
            values[l] = manager.zeros(shape, type);
        }
        for (int b = 0; b < blocks; b++) {
            free.add(b);
        }
        this.holders = new int[blocks];
        this.bytesPerToken = 2L * keys.length * c.numKeyValueHeads() * c.headDim() * type.getNumOfBytes();
    }

    /** Blocks needed to hold {@code tokens} positions. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return blocks;
    }

    public int freeBlocks() {
        return free.size();
    }

    /** Positions the whole pool holds: the longest sequence it can ever serve. */
    public int capacityTokens() {
        return blocks * blockSize;
    }

    /** Key plus value bytes of one position over all layers. */
    public long bytesPerToken() {
        return bytesPerToken;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** A new, empty sequence cache drawing on this pool. */
    public PagedKvCache newCache() {
        return new PagedKvCache(this);
    }

    /** Takes a free block, or returns −1 when none is left. */
    int allocate() {
        Integer b = free.poll();
        if (b == null) {
            return -1;
        }
        holders[b] = 1;
        return b;
    }

    /** One more cache holds {@code block} (a prefix shared between the choices of one request). */
    void share(int block) {
        holders[block]++;
    }

    /** Whether more than one cache holds {@code block}. */
    boolean shared(int block) {
        return holders[block] > 1;
    }

    /** A cache lets go of {@code block}; it is free once nobody holds it. */
    void release(int block) {
        if (--holders[block] == 0) {
            free.push(block);
        }
    }

    /** Copies the first {@code positions} slots of block {@code from} into block {@code to}, every layer. */
    void copy(int from, int to, int positions) {
        NDIndex src = new NDIndex((long) from * blockSize + ":" + ((long) from * blockSize + positions));
        NDIndex dst = new NDIndex((long) to * blockSize + ":" + ((long) to * blockSize + positions));
        for (int l = 0; l < keys.length; l++) {
            keys[l].set(dst, keys[l].get(src));
            values[l].set(dst, values[l].get(src));
        }
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    @Override
    public void close() {
        manager.close();
    }
}
