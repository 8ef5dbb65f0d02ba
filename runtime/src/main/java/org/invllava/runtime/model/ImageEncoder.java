package org.invllava.runtime.model;

import java.util.List;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;

/**
 * What a vision encoder service runs: images in, one features block each out (the rows the model's {@code expand}
 * takes). CLIP at a model's layers ({@link VisionModel}) for Inverse-LLaVA and LLaVA-1.5; DPA's perceiver and aligner.
 */
public interface ImageEncoder extends AutoCloseable {
    /**
     * Refuses ({@link org.invllava.wire.ImageException}) a picture this encoder cannot take, before it joins a batch
     * (DPA's processor refuses aspect ratios over 200); nothing by default.
     */
    default void check(RgbImage image) {}

    /** Preprocesses and encodes a batch of images: one [rows, dim] block each. */
    List<PatchFeatures> encodeImages(List<RgbImage> images);

    @Override
    void close();
}
