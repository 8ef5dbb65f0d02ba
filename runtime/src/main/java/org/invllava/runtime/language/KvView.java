package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;

/**
 * Where one layer's cached keys and values of a sequence live, for reading them in place: position {@code s} of KV
 * head {@code h} starts at element {@code slots[s] · strideSlot + h · strideHead} of {@code keys} and {@code values}
 * (contiguous arrays of the cache), for each of the {@code slots.length} cached positions.
 */
record KvView(NDArray keys, NDArray values, long[] slots, long strideSlot, long strideHead) {}
