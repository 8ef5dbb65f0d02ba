package org.invllava.runtime.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import org.invllava.wire.ImageException;
import org.invllava.wire.ImageHeader;

/**
 * Decodes PNG/JPEG bytes to RGB like Pillow's {@code convert("RGB")}: alpha is dropped (not composited)
 * and grey levels are copied, not colour-managed. The pixel limit is checked on the header's size, before any
 * pixel is decoded (decompression bombs).
 */
public final class ImageDecoder {
    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    public RgbImage decode(byte[] bytes) {
        return ImageHeader.withReader(bytes, reader -> {
            long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
            if (pixels > maxPixels) {
                throw new ImageException(
                        ImageException.Reason.TOO_LARGE,
                        "image has " + pixels + " pixels, more than the limit of " + maxPixels);
            }
            return toRgb(reader.read(0));
        });
    }

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean direct =
                img.getColorModel() instanceof ComponentColorModel && r.getTransferType() == DataBuffer.TYPE_BYTE;
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
