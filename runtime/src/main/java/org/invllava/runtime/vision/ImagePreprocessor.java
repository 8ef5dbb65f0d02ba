package org.invllava.runtime.vision;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.config.Json;

/**
 * LLaVA's "pad" preprocessing (when asked) followed by HF's {@code CLIPImageProcessor}: pad to a square with the
 * mean colour, resize the shortest edge with Pillow-compatible bicubic, centre crop, scale to [0, 1] and
 * normalise per channel. Output is CHW float32. Inverse-LLaVA and the original LLaVA-1.5 release pad; llava-hf's
 * processor does not.
 */
public final class ImagePreprocessor {
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int resizeShortest;
    private final int cropSize;
    private final float[] mean;
    private final float[] std;
    private final boolean padToSquare;

    public ImagePreprocessor(int resizeShortest, int cropSize, float[] mean, float[] std, boolean padToSquare) {
        if (resizeShortest < cropSize) {
            throw new IllegalArgumentException("resize size " + resizeShortest + " is smaller than crop " + cropSize);
        }
        this.resizeShortest = resizeShortest;
        this.cropSize = cropSize;
        this.mean = mean.clone();
        this.std = std.clone();
        this.padToSquare = padToSquare;
    }

    /** Reads {@code preprocessor_config.json} in {@code visionDir} when present, else CLIP's defaults. */
    public static ImagePreprocessor forModel(Path visionDir, int imageSize, boolean padToSquare) {
        Path file = visionDir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(file)) {
            return new ImagePreprocessor(imageSize, imageSize, CLIP_MEAN, CLIP_STD, padToSquare);
        }
        JsonNode root = Json.readTree(file);
        int shortest = root.path("size").path("shortest_edge").asInt(imageSize);
        int crop = root.path("crop_size").path("height").asInt(imageSize);
        return new ImagePreprocessor(
                shortest,
                crop,
                floats(root.get("image_mean"), CLIP_MEAN),
                floats(root.get("image_std"), CLIP_STD),
                padToSquare);
    }

    /** A 3-value array of a preprocessor config ({@code image_mean}, {@code image_std}), else {@code fallback}. */
    public static float[] floats(JsonNode node, float[] fallback) {
        if (node == null || !node.isArray() || node.size() != 3) {
            return fallback;
        }
        return new float[] {
            (float) node.get(0).asDouble(),
            (float) node.get(1).asDouble(),
            (float) node.get(2).asDouble()
        };
    }

    public int outputSize() {
        return cropSize;
    }

    /** The full pipeline: [3, crop, crop] normalised floats. */
    public float[] process(RgbImage image) {
        return normalize(cropCenter(resizeShortestEdge(padToSquare ? padToSquare(image) : image)));
    }

    /** LLaVA's expand2square: the image centred on a square of colour {@code int(255 * mean)}. */
    public RgbImage padToSquare(RgbImage in) {
        int w = in.width();
        int h = in.height();
        if (w == h) {
            return in;
        }
        int side = Math.max(w, h);
        int ox = (side - w) / 2;
        int oy = (side - h) / 2;
        byte[] out = new byte[side * side * 3];
        for (int i = 0; i < side * side; i++) {
            for (int c = 0; c < 3; c++) {
                out[i * 3 + c] = (byte) (int) (255 * (double) mean[c]);
            }
        }
        for (int y = 0; y < h; y++) {
            System.arraycopy(in.rgb(), y * w * 3, out, ((y + oy) * side + ox) * 3, w * 3);
        }
        return new RgbImage(side, side, out);
    }

    RgbImage resizeShortestEdge(RgbImage in) {
        int w = in.width();
        int h = in.height();
        int outW = w <= h ? resizeShortest : (int) ((long) resizeShortest * w / h);
        int outH = h <= w ? resizeShortest : (int) ((long) resizeShortest * h / w);
        return w == outW && h == outH ? in : PillowResize.resize(in, outW, outH);
    }

    RgbImage cropCenter(RgbImage in) {
        if (in.width() == cropSize && in.height() == cropSize) {
            return in;
        }
        int top = (in.height() - cropSize) / 2;
        int left = (in.width() - cropSize) / 2;
        byte[] out = new byte[cropSize * cropSize * 3];
        for (int y = 0; y < cropSize; y++) {
            System.arraycopy(in.rgb(), ((y + top) * in.width() + left) * 3, out, y * cropSize * 3, cropSize * 3);
        }
        return new RgbImage(cropSize, cropSize, out);
    }

    float[] normalize(RgbImage in) {
        int hw = in.width() * in.height();
        float[] out = new float[3 * hw];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < hw; i++) {
                float v = (float) ((in.rgb()[i * 3 + c] & 0xFF) * (1 / 255.0));
                out[c * hw + i] = (v - mean[c]) / std[c];
            }
        }
        return out;
    }
}
