package org.invllava.runtime.demo;

import java.util.Random;
import org.invllava.runtime.vision.RgbImage;

/** Random-pixel PNG images for benchmarks and tests. */
public final class DemoImages {
    private DemoImages() {}

    public static byte[] png(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            int v = r.nextInt(1 << 24);
            rgb[i * 3] = (byte) (v >> 16);
            rgb[i * 3 + 1] = (byte) (v >> 8);
            rgb[i * 3 + 2] = (byte) v;
        }
        return new RgbImage(w, h, rgb).png();
    }
}
