package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of one sequence for every layer: a contiguous per-sequence cache ({@link KvCache}) or blocks of
 * an instance-wide pool ({@link PagedKvCache}), or none ({@link FreshKv}: one whole sequence per forward, training).
 * Attention writes each layer's new positions, then reads them all.
 */
public sealed interface KvStore permits KvCache, PagedKvCache, FreshKv {
    /** Number of positions already cached (the position of the next token). */
    int length();

    /**
     * Writes the step's keys/values {@code k}, {@code v} [T, H_kv, D] (positions {@code length() ..}) into
     * {@code layer} and returns everything cached for that layer, keys and values [H_kv, length + T, D], owned by
     * {@code scope}.
     */
    NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope);

    /**
     * Writes the step's keys/values as {@link #append} does and returns where the layer's cache lives instead of
     * gathering it, for attention that reads it in place; only where {@link #readsInPlace()}.
     */
    default KvView write(int layer, NDArray k, NDArray v) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no cache to read in place");
    }

    /** Whether {@link #write} is supported. */
    default boolean readsInPlace() {
        return false;
    }

    /** Called once every layer has appended the step's {@code tokens}. */
    void advance(int tokens);
}
