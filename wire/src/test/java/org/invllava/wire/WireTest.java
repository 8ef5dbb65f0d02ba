package org.invllava.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The wire types: half floats bit-exact, image headers without decoding, feature shapes checked. */
class WireTest {
    @Test
    void halfFloatsRoundToNearestEven() {
        assertEquals((short) 0x3c00, Half.fromFloat(1f));
        assertEquals((short) 0xc000, Half.fromFloat(-2f));
        assertEquals((short) 0x7bff, Half.fromFloat(65504f)); // largest finite
        assertEquals((short) 0x7c00, Half.fromFloat(65520f)); // rounds up to infinity
        assertEquals((short) 0x0001, Half.fromFloat(0x1.0p-24f)); // smallest subnormal
        assertEquals((short) 0x3c00, Half.fromFloat(1f + 0x1.0p-11f)); // a tie goes to the even significand
        assertEquals((short) 0x3c02, Half.fromFloat(1f + 3 * 0x1.0p-11f));
        for (float v : new float[] {0f, 1f, -0.5f, 3.140625f, 65504f, 0x1.0p-24f, 6.1035156e-5f}) {
            assertEquals(v, Half.toFloat(Half.fromFloat(v)), 0f, "round trip of " + v);
        }
        assertEquals(Float.NaN, Half.toFloat(Half.fromFloat(Float.NaN)), 0f);
    }

    @Test
    void theHeaderGivesFormatAndSizeAndRefusesWhatIsNotAnImage() throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(37, 21, BufferedImage.TYPE_INT_RGB), "png", png);
        ImageHeader h = ImageHeader.probe(png.toByteArray());
        assertEquals(new ImageHeader("png", 37, 21), h);
        assertEquals(37 * 21, h.pixels());
        ImageException e = assertThrows(ImageException.class, () -> ImageHeader.probe(new byte[] {1, 2, 3, 4}));
        assertEquals(ImageException.Reason.UNREADABLE, e.reason());
        byte[] truncated = java.util.Arrays.copyOf(png.toByteArray(), 12);
        assertEquals(
                ImageException.Reason.UNREADABLE,
                assertThrows(ImageException.class, () -> ImageHeader.probe(truncated))
                        .reason());
    }

    @Test
    void patchFeaturesMustFillTheirShape() {
        PatchFeatures f = new PatchFeatures(2, 3, new float[6]);
        assertArrayEquals(new float[6], f.data());
        assertThrows(IllegalArgumentException.class, () -> new PatchFeatures(2, 3, new float[5]));
    }
}
