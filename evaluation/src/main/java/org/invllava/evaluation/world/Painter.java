package org.invllava.evaluation.world;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.vision.RgbImage;

/**
 * Draws a scene with its look: each item inside its own quadrant (clipped there), rotated and scaled about its centre,
 * with hard edges or with each pixel's coverage measured on a 4x4 grid; then noise, blur and JPEG in that order. The
 * same bytes on every machine (integer pixel arithmetic, a seeded noise stream, ImageIO's pure-Java JPEG codec).
 */
final class Painter {
    private static final int SUBSAMPLES = 4;

    private Painter() {}

    static RgbImage paint(Scene scene) {
        Look look = scene.look();
        int size = scene.size();
        float[] rgb = new float[size * size * 3];
        for (int i = 0; i < size * size; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = look.background(c);
            }
        }
        for (int k = 0; k < scene.items().size(); k++) {
            item(rgb, size, scene.items().get(k), look.items().get(k), look.antialias());
        }
        if (look.noise() > 0) {
            Random random = new Random(look.noiseSeed());
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] += (float) (random.nextGaussian() * look.noise());
            }
        }
        if (look.blur()) {
            rgb = blur(rgb, size);
        }
        byte[] bytes = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            bytes[i] = (byte) Math.max(0, Math.min(255, Math.round(rgb[i])));
        }
        RgbImage image = new RgbImage(size, size, bytes);
        return look.jpegQuality() > 0 ? jpeg(image, look.jpegQuality()) : image;
    }

    /** Paints {@code item} over {@code rgb} within its quadrant's cell; coverage blends it with what is below. */
    private static void item(float[] rgb, int size, Item item, Look.ItemLook look, boolean antialias) {
        double r = item.radius() * look.scale();
        double angle = Math.toRadians(look.degrees());
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        int cell = size / 2;
        int x0 = item.quadrant() % 2 * cell;
        int y0 = item.quadrant() / 2 * cell;
        int reach = (int) Math.ceil(r * 1.5) + 1;
        int samples = antialias ? SUBSAMPLES : 1;
        for (int y = Math.max(y0, item.cy() - reach); y < Math.min(y0 + cell, item.cy() + reach + 1); y++) {
            for (int x = Math.max(x0, item.cx() - reach); x < Math.min(x0 + cell, item.cx() + reach + 1); x++) {
                int inside = 0;
                for (int sy = 0; sy < samples; sy++) {
                    for (int sx = 0; sx < samples; sx++) {
                        // the sample's offset from the centre, in radii, turned back by the item's rotation
                        double px = antialias ? x - 0.5 + (sx + 0.5) / samples : x;
                        double py = antialias ? y - 0.5 + (sy + 0.5) / samples : y;
                        double dx = (px - item.cx()) / r;
                        double dy = (py - item.cy()) / r;
                        if (item.shape().contains(cos * dx + sin * dy, -sin * dx + cos * dy)) {
                            inside++;
                        }
                    }
                }
                if (inside > 0) {
                    float coverage = inside / (float) (samples * samples);
                    for (int c = 0; c < 3; c++) {
                        int i = (y * size + x) * 3 + c;
                        rgb[i] += coverage * (look.channel(item.colour(), c) - rgb[i]);
                    }
                }
            }
        }
    }

    /** A 3x3 box blur, the border clamped. */
    private static float[] blur(float[] rgb, int size) {
        float[] out = new float[rgb.length];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    float sum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = Math.max(0, Math.min(size - 1, y + dy));
                            int xx = Math.max(0, Math.min(size - 1, x + dx));
                            sum += rgb[(yy * size + xx) * 3 + c];
                        }
                    }
                    out[(y * size + x) * 3 + c] = sum / 9;
                }
            }
        }
        return out;
    }

    /** {@code image} encoded as JPEG at {@code quality} (1-100) and decoded again, as the services decode uploads. */
    static RgbImage jpeg(RgbImage image, int quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image.bufferedImage(), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return new ImageDecoder(Long.MAX_VALUE).decode(bytes.toByteArray());
    }
}
