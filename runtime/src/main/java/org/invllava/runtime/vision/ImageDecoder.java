package org.invllava.runtime.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG/JPEG bytes to RGB like Pillow's {@code convert("RGB")}: alpha is dropped (not composited)
 * and grey levels are copied, not colour-managed. Limits guard against decompression bombs.
 */
public final class ImageDecoder {
    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /** What the header says: the format ({@code png}, {@code jpeg}, ...) and size; no pixel is decoded. */
    public record ImageInfo(String format, int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    /** Reads only the image header, so a decompression bomb is refused before any pixel memory is taken. */
    public static ImageInfo probe(byte[] bytes) {
        return withReader(bytes, reader -> new ImageInfo(reader.getFormatName().toLowerCase(java.util.Locale.ROOT),
                reader.getWidth(0), reader.getHeight(0)));
    }

    public RgbImage decode(byte[] bytes) {
        return withReader(bytes, reader -> {
            long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
            if (pixels > maxPixels) {
                throw new ImageException(ImageException.Reason.TOO_LARGE, "image has " + pixels + " pixels, more than the limit of " + maxPixels);
            }
            return toRgb(reader.read(0));
        });
    }

    private interface ReaderFunction<T> {
        T apply(ImageReader reader) throws IOException;
    }

    private static <T> T withReader(byte[] bytes, ReaderFunction<T> fn) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new ImageException(ImageException.Reason.UNREADABLE, "not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return fn.apply(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageException ie) {
                throw ie;
            }
            throw new ImageException(ImageException.Reason.UNREADABLE, "cannot decode image: " + e.getMessage());
        }
    }

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean direct = img.getColorModel() instanceof ComponentColorModel
                && r.getTransferType() == DataBuffer.TYPE_BYTE;
        int[] px = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (direct) {
                    r.getPixel(x, y, px);
                    boolean grey = bands <= 2;
                    out[o] = (byte) px[0];
                    out[o + 1] = (byte) px[grey ? 0 : 1];
                    out[o + 2] = (byte) px[grey ? 0 : 2];
                } else {
                    int argb = img.getRGB(x, y);
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
