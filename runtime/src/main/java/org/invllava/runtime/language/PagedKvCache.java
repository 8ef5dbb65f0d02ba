package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's keys and values in a {@link KvBlockPool}: position p lives in slot
 * {@code table[p / blockSize] · blockSize + p % blockSize}. Blocks are taken with {@link #reserve} before a step
 * and all given back by {@link #release}. Engine thread only.
 */
public final class PagedKvCache implements KvStore {
    private final KvBlockPool pool;
    private final List<Integer> table = new ArrayList<>();
    private int length;

    PagedKvCache(KvBlockPool pool) {
        this.pool = pool;
    }

    @Override
    public int length() {
        return length;
    }

    /** Blocks this sequence holds. */
    public int blocks() {
        return table.size();
    }

    /**
     * Makes room for {@code tokens} more positions; all or nothing: returns false, taking no block, when the pool
     * has too few free blocks. A shared block the new positions would write into is copied first (copy on write).
     */
    public boolean reserve(int tokens) {
        int missing = pool.blocksFor(length + tokens) - table.size();
        int partial = length % pool.blockSize() == 0 ? -1 : length / pool.blockSize();
        boolean copy = tokens > 0 && partial >= 0 && pool.shared(table.get(partial));
        if (missing + (copy ? 1 : 0) > pool.freeBlocks()) {
            return false;
        }
        if (copy) {
            int own = pool.allocate();
            pool.copy(table.get(partial), own, length % pool.blockSize());
            pool.release(table.get(partial));
            table.set(partial, own);
        }
        for (int i = 0; i < missing; i++) {
            table.add(pool.allocate());
        }
        return true;
    }

    /**
     * Holds the same blocks as {@code other} (its whole length): a prompt computed once serves every choice of a
     * request. Written positions are never overwritten, so full blocks stay shared; the partial last block is copied
     * by whichever cache writes into it first ({@link #reserve}). This cache must be empty.
     */
    public void share(PagedKvCache other) {
        if (length != 0 || !table.isEmpty()) {
            throw new IllegalStateException("only an empty cache can share another's blocks");
        }
        for (int b : other.table) {
            pool.share(b);
            table.add(b);
        }
        length = other.length;
    }

    /** Gives every block back to the pool; the cache is empty afterwards (a preempted sequence starts over). */
    public void release() {
        for (int i = table.size() - 1; i >= 0; i--) {
            pool.release(table.get(i));
        }
        table.clear();
        length = 0;
    }

    @Override
    public NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
        int t = put(layer, k, v);
        NDIndex all = new NDIndex("{}", scope.create(slots(0, length + t)));
        NDArray keys = pool.keys(layer).get(scope, all).transpose(1, 0, 2); // [S, H_kv, D] → [H_kv, S, D]
        NDArray values = pool.values(layer).get(scope, all).transpose(1, 0, 2);
        return new NDArray[] {keys, values};
    }

    /** As {@link #append}, the pool [slots, H_kv, D] read in place: position s at slot · H_kv · D, head h at h · D. */
    @Override
    public KvView write(int layer, NDArray k, NDArray v) {
        int t = put(layer, k, v);
        Shape shape = pool.keys(layer).getShape(); // [slots, H_kv, D]
        return new KvView(
                pool.keys(layer), pool.values(layer), slots(0, length + t), shape.get(1) * shape.get(2), shape.get(2));
    }

    @Override
    public boolean readsInPlace() {
        return true;
    }

    /** Writes {@code k}, {@code v} [T, H_kv, D] into the reserved slots of positions {@code length ..}; returns T. */
    private int put(int layer, NDArray kNew, NDArray vNew) {
        NDArray k = kNew.toType(pool.keys(layer).getDataType(), false); // the pool's dtype, cast once for every block
        NDArray v = vNew.toType(pool.values(layer).getDataType(), false);
        int t = (int) k.getShape().get(0);
        if (pool.blocksFor(length + t) > table.size()) {
            throw new IllegalStateException("KV blocks for " + (length + t) + " positions were not reserved");
        }
        int bs = pool.blockSize();
        for (int done = 0; done < t; ) { // in place, one slice per block touched (an index_put would copy the pool)
            int p = length + done;
            int n = Math.min(bs - p % bs, t - done);
            long slot = (long) table.get(p / bs) * bs + p % bs;
            NDIndex into = new NDIndex(slot + ":" + (slot + n));
            NDIndex from = new NDIndex(done + ":" + (done + n));
            pool.keys(layer).set(into, k.get(from));
            pool.values(layer).set(into, v.get(from));
            done += n;
        }
        return t;
    }

    @Override
    public void advance(int tokens) {
        length += tokens;
    }

    /** Pool slots of positions {@code from .. to−1}. */
    private long[] slots(int from, int to) {
        int bs = pool.blockSize();
        long[] out = new long[to - from];
        for (int p = from; p < to; p++) {
            out[p - from] = (long) table.get(p / bs) * bs + p % bs;
        }
        return out;
    }
}
