package org.invllava.runtime.dpa;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.config.ConfigException;
import org.invllava.runtime.config.Json;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.vision.PillowResize;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.ImageException;

/**
 * Qwen2-VL's image processor (the PIL one, {@code Qwen2VLImageProcessor}'s slow path): {@link #smartResize} to
 * multiples of 28 within [min_pixels, max_pixels], Pillow bicubic, ×1/255, CLIP mean/std, the frame duplicated
 * (temporal patch 2) and flattened into {@code [gridH·gridW, 1176]} rows: patches in (t, hb, wb, hi, wi) order over
 * 2×2 merge blocks, each patch's values in (c, t, py, px) order.
 */
public record QwenImageProcessor(
        int minPixels, int maxPixels, int patchSize, int mergeSize, int temporalPatchSize, float[] mean, float[] std) {

    /** Above this aspect ratio the processor refuses the image. */
    public static final double MAX_ASPECT_RATIO = 200;

    /** One image's pixel rows and its patch grid. */
    public record Pixels(float[] values, int gridH, int gridW, int rowLength) {
        /** Merged tokens the image becomes: (gridH/2)·(gridW/2). */
        public int tokens(int mergeSize) {
            return (gridH / mergeSize) * (gridW / mergeSize);
        }
    }

    /** From {@code preprocessor_config.json} in {@code dir} (its {@code min_pixels}/{@code max_pixels} or size). */
    public static QwenImageProcessor load(Path dir) {
        Path file = dir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(dir + ": no preprocessor_config.json");
        }
        JsonNode c = Json.readTree(file);
        JsonNode size = c.path("size");
        int min = c.has("min_pixels")
                ? c.get("min_pixels").asInt()
                : size.path("shortest_edge").asInt(3136);
        int max = c.has("max_pixels")
                ? c.get("max_pixels").asInt()
                : size.path("longest_edge").asInt(12845056);
        return new QwenImageProcessor(
                min,
                max,
                c.path("patch_size").asInt(14),
                c.path("merge_size").asInt(2),
                c.path("temporal_patch_size").asInt(2),
                ImagePreprocessor.floats(c.path("image_mean"), ImagePreprocessor.CLIP_MEAN),
                ImagePreprocessor.floats(c.path("image_std"), ImagePreprocessor.CLIP_STD));
    }

    /**
     * {@code smart_resize}: {@code h̄ = round(h/f)·f} (Python's round: halves to even), then scaled down by
     * {@code √(hw/max)} (floor) or up by {@code √(min/hw)} (ceil) to fit; returns {height, width}.
     */
    public static int[] smartResize(int height, int width, int factor, int minPixels, int maxPixels) {
        if ((double) Math.max(height, width) / Math.min(height, width) > MAX_ASPECT_RATIO) {
            throw new ImageException(
                    ImageException.Reason.UNREADABLE,
                    "absolute aspect ratio must be smaller than " + (int) MAX_ASPECT_RATIO + ", got "
                            + (double) Math.max(height, width) / Math.min(height, width));
        }
        int h = (int) (Math.rint((double) height / factor) * factor);
        int w = (int) (Math.rint((double) width / factor) * factor);
        if ((long) h * w > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            h = Math.max(factor, (int) Math.floor(height / beta / factor) * factor);
            w = Math.max(factor, (int) Math.floor(width / beta / factor) * factor);
        } else if ((long) h * w < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            h = (int) Math.ceil(height * beta / factor) * factor;
            w = (int) Math.ceil(width * beta / factor) * factor;
        }
        return new int[] {h, w};
    }

    /** Refuses ({@link ImageException}) a picture {@link #process} would refuse, without resizing it. */
    public void check(RgbImage image) {
        smartResize(image.height(), image.width(), patchSize * mergeSize, minPixels, maxPixels);
    }

    public Pixels process(RgbImage image) {
        int[] hw = smartResize(image.height(), image.width(), patchSize * mergeSize, minPixels, maxPixels);
        RgbImage resized = PillowResize.resize(image, hw[1], hw[0]);
        int gridH = hw[0] / patchSize;
        int gridW = hw[1] / patchSize;
        int rowLength = 3 * temporalPatchSize * patchSize * patchSize;
        float[] out = new float[gridH * gridW * rowLength];
        int row = 0;
        for (int hb = 0; hb < gridH / mergeSize; hb++) {
            for (int wb = 0; wb < gridW / mergeSize; wb++) {
                for (int hi = 0; hi < mergeSize; hi++) {
                    for (int wi = 0; wi < mergeSize; wi++) {
                        int y0 = (hb * mergeSize + hi) * patchSize;
                        int x0 = (wb * mergeSize + wi) * patchSize;
                        patch(resized, y0, x0, out, row++ * rowLength);
                    }
                }
            }
        }
        return new Pixels(out, gridH, gridW, rowLength);
    }

    /** One patch's values in (c, t, py, px) order, the frame repeated over t. */
    private void patch(RgbImage image, int y0, int x0, float[] out, int offset) {
        int i = offset;
        for (int c = 0; c < 3; c++) {
            for (int t = 0; t < temporalPatchSize; t++) {
                for (int py = 0; py < patchSize; py++) {
                    for (int px = 0; px < patchSize; px++) {
                        float scaled = image.get(x0 + px, y0 + py, c) * (1f / 255f);
                        out[i++] = (scaled - mean[c]) / std[c];
                    }
                }
            }
        }
    }
}
