package org.invllava.runtime.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import javax.imageio.ImageIO;
import org.invllava.runtime.Golden;
import org.invllava.runtime.weights.SafetensorsFile;
import org.invllava.runtime.weights.TensorInfo;
import org.invllava.wire.ImageException;
import org.junit.jupiter.api.Test;

/** LLaVA pad + Pillow bicubic + CLIP normalisation, against the golden pixel tensor and naive references. */
class ImagePreprocessorTest {
    private final ImagePreprocessor pre =
            new ImagePreprocessor(112, 112, ImagePreprocessor.CLIP_MEAN, ImagePreprocessor.CLIP_STD, true);

    @Test
    void nonSquareImageMatchesGoldenPixelsWithinOneLevel() throws Exception {
        Path golden = Golden.tinyModel();
        RgbImage img = new ImageDecoder(1 << 24).decode(Files.readAllBytes(golden.resolve("image_nonsquare.png")));
        assertEquals(173, img.width());
        float[] got = pre.process(img);
        Path expectedFile = golden.resolve("image_nonsquare.pixel_values.safetensors");
        TensorInfo info = SafetensorsFile.readHeader(expectedFile).get("pixel_values");
        float[] expected = new float[(int) info.numel()];
        try (FileChannel ch = FileChannel.open(expectedFile, StandardOpenOption.READ)) {
            ch.map(FileChannel.MapMode.READ_ONLY, info.offset(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(expected);
        }
        assertEquals(expected.length, got.length);
        int hw = 112 * 112;
        double sum = 0;
        for (int i = 0; i < got.length; i++) {
            int c = i / hw;
            double e = expected[i] * ImagePreprocessor.CLIP_STD[c] + ImagePreprocessor.CLIP_MEAN[c];
            double g = got[i] * ImagePreprocessor.CLIP_STD[c] + ImagePreprocessor.CLIP_MEAN[c];
            assertEquals(e, g, 1.0 / 255 + 1e-6, "pixel " + i);
            sum += got[i];
        }
        assertEquals(
                Golden.expected()
                        .get("cases")
                        .get("image_nonsquare.png")
                        .get("pixel_values_sum")
                        .asDouble(),
                sum,
                0.5);
    }

    @Test
    void squareImageOfTheRightSizeOnlyNormalises() {
        RgbImage img = randomImage(112, 112, 1);
        float[] out = pre.process(img);
        for (int c = 0; c < 3; c++) {
            float expected =
                    ((img.get(5, 7, c) / 255f) - ImagePreprocessor.CLIP_MEAN[c]) / ImagePreprocessor.CLIP_STD[c];
            assertEquals(expected, out[c * 112 * 112 + 7 * 112 + 5], 1e-6);
        }
    }

    @Test
    void padUsesTheMeanColourAndCentres() {
        RgbImage wide = randomImage(10, 4, 2);
        RgbImage sq = pre.padToSquare(wide);
        assertEquals(10, sq.height());
        assertArrayEquals(new int[] {122, 116, 104}, new int[] {sq.get(0, 0, 0), sq.get(0, 0, 1), sq.get(0, 0, 2)});
        assertEquals(wide.get(4, 0, 1), sq.get(4, 3, 1)); // offset (10-4)/2 = 3
        assertEquals(wide.get(9, 3, 2), sq.get(9, 6, 2));
    }

    @Test
    void bicubicMatchesAFloatingPointReferenceWithinOneLevel() {
        RgbImage in = randomImage(37, 23, 3);
        for (int[] size : new int[][] {{16, 9}, {50, 61}, {37, 11}}) {
            RgbImage out = PillowResize.resize(in, size[0], size[1]);
            double[][][] ref = naiveResize(in, size[0], size[1]);
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(ref[y][x][c], out.get(x, y, c), 1.5, "at " + x + "," + y);
                    }
                }
            }
        }
    }

    /** Separable convolution with the same widened a=−0.5 kernel, in doubles (only the 8-bit intermediate rounded). */
    private static double[][][] naiveResize(RgbImage in, int w, int h) {
        double[][][] tmp = new double[in.height()][w][3];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < w; x++) {
                int yy = y;
                double[] v = sample(
                        in.width(), w, x, i -> new double[] {in.get(i, yy, 0), in.get(i, yy, 1), in.get(i, yy, 2)});
                for (int c = 0; c < 3; c++) {
                    tmp[y][x][c] = Math.max(0, Math.min(255, Math.round(v[c]))); // Pillow keeps an 8-bit intermediate
                }
            }
        }
        double[][][] out = new double[h][w][3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int xx = x;
                double[] v = sample(in.height(), h, y, i -> tmp[i][xx]);
                for (int c = 0; c < 3; c++) {
                    out[y][x][c] = Math.max(0, Math.min(255, v[c]));
                }
            }
        }
        return out;
    }

    private static double[] sample(int inSize, int outSize, int o, java.util.function.IntFunction<double[]> px) {
        double scale = (double) inSize / outSize;
        double fs = Math.max(1, scale);
        double center = (o + 0.5) * scale;
        double[] acc = new double[3];
        double total = 0;
        for (int i = 0; i < inSize; i++) {
            double w = PillowResize.bicubic((i + 0.5 - center) / fs);
            total += w;
            double[] v = px.apply(i);
            for (int c = 0; c < 3; c++) {
                acc[c] += w * v[c];
            }
        }
        for (int c = 0; c < 3; c++) {
            acc[c] /= total;
        }
        return acc;
    }

    @Test
    void badBytesAndBombsAreRejectedWithClearErrors() throws Exception {
        ImageDecoder decoder = new ImageDecoder(1000);
        ImageException garbage = assertThrows(ImageException.class, () -> decoder.decode("not an image".getBytes()));
        assertTrue(garbage.getMessage().contains("not a PNG or JPEG"), garbage.getMessage());
        assertEquals(ImageException.Reason.UNREADABLE, garbage.reason());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB), "png", png);
        ImageException big = assertThrows(ImageException.class, () -> decoder.decode(png.toByteArray()));
        assertTrue(big.getMessage().contains("1600 pixels"), big.getMessage());
        assertEquals(ImageException.Reason.TOO_LARGE, big.reason());
        byte[] truncated = java.util.Arrays.copyOf(png.toByteArray(), 60);
        assertThrows(ImageException.class, () -> new ImageDecoder(1 << 20).decode(truncated));
    }

    @Test
    void greyAndAlphaImagesConvertLikePillow() throws Exception {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 1, 0, 77);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(grey, "png", out);
        RgbImage g = new ImageDecoder(100).decode(out.toByteArray());
        assertEquals(77, g.get(1, 1, 0));
        assertEquals(77, g.get(1, 1, 2));
        BufferedImage argb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10203040);
        out.reset();
        ImageIO.write(argb, "png", out);
        RgbImage a = new ImageDecoder(100).decode(out.toByteArray());
        assertArrayEquals(new int[] {0x20, 0x30, 0x40}, new int[] {a.get(0, 0, 0), a.get(0, 0, 1), a.get(0, 0, 2)});
    }

    static RgbImage randomImage(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        return new RgbImage(w, h, px);
    }
}
