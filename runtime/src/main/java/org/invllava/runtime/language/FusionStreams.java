package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;

/**
 * The per-position inputs of the inverse fusion for one forward call: the visual stream V [T, d_v]
 * (patch features at patch slots, zero elsewhere) and the complementary masks [T, 1].
 */
public record FusionStreams(NDArray visual, NDArray textMask, NDArray visionMask) {}
