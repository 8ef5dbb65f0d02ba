package org.invllava.evaluation.world;

import java.util.Collections;
import java.util.List;

/**
 * How a scene is drawn, apart from what it shows: the background colour ({@code 0xRRGGBB}), anti-aliased or hard
 * edges, pixel noise (Gaussian, its standard deviation in levels, drawn from {@code noiseSeed}), a 3x3 blur, JPEG
 * re-encoding at {@code jpegQuality} (0: none), and per item ({@link ItemLook}) a rotation, a size factor and a colour
 * jitter that keeps the colour's name. {@link #plain} is the world's first renderer: grey 118, hard edges, nothing
 * else.
 */
public record Look(
        int background,
        boolean antialias,
        double noise,
        long noiseSeed,
        boolean blur,
        int jpegQuality,
        List<ItemLook> items) {
    /** The first renderer's grey. */
    static final int PLAIN_GREY = 118;

    public Look {
        items = List.copyOf(items);
        if (noise < 0 || jpegQuality < 0 || jpegQuality > 100) {
            throw new IllegalArgumentException("bad look: noise " + noise + ", JPEG quality " + jpegQuality);
        }
    }

    /** One item's look: rotation in degrees, size factor, and the offsets added to its colour's channels. */
    public record ItemLook(double degrees, double scale, int dr, int dg, int db) {
        static final ItemLook PLAIN = new ItemLook(0, 1, 0, 0, 0);

        public ItemLook {
            if (scale <= 0) {
                throw new IllegalArgumentException("bad item scale " + scale);
            }
        }

        int channel(Colour colour, int c) {
            int v = colour.channel(c) + (c == 0 ? dr : c == 1 ? dg : db);
            return Math.max(0, Math.min(255, v));
        }
    }

    /** The first renderer's look for {@code count} items. */
    static Look plain(int count) {
        int grey = PLAIN_GREY;
        return new Look(
                grey << 16 | grey << 8 | grey, false, 0, 0, false, 0, Collections.nCopies(count, ItemLook.PLAIN));
    }

    int background(int c) {
        return background >> (16 - 8 * c) & 0xFF;
    }
}
