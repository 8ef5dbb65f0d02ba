package org.invllava.evaluation.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How a world's pictures are drawn. {@link #PLAIN} (the default) is the first renderer: grey 118, hard edges; the
 * bundled demo was trained on it. {@link #AUGMENTED} (for training a robust model) varies everything a picture can
 * vary without changing its answers: backgrounds from bands of greys
 * and pale colours, edges anti-aliased or hard, sizes, small rotations, colour jitter that keeps the colour's name,
 * mild noise and blur, JPEG at several qualities. {@link #SHIFTED}, the robustness split, draws from what the
 * augmented world never draws: the greys between and below its bands (118, the first renderer's, and 128 among them),
 * sizes outside its range, stronger noise, other JPEG qualities.
 */
public enum Style {
    PLAIN("plain"),
    AUGMENTED("augmented"),
    SHIFTED("shifted");

    /** The augmented world's grey bands, [low, high] inclusive; the shifted world's greys lie outside them. */
    static final int[][] TRAIN_GREYS = {{96, 114}, {136, 160}};

    static final int[][] SHIFTED_GREYS = {{80, 95}, {115, 135}};
    private static final int[] TRAIN_JPEG = {90, 70, 50};
    private static final int[] SHIFTED_JPEG = {80, 60, 35};

    private final String label;

    Style(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Style parse(String label) {
        for (Style s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown style " + label + " (plain, augmented, shifted)");
    }

    /** A look for {@code count} items, drawn from {@code random} (its own stream: the scene's draws stay the same). */
    Look draw(int count, Random random) {
        if (this == PLAIN) {
            return Look.plain(count);
        }
        boolean shifted = this == SHIFTED;
        int grey = band(shifted ? SHIFTED_GREYS : TRAIN_GREYS, random);
        int[] bg = {grey, grey, grey};
        if (random.nextDouble() < 0.3) { // a pale colour: one channel up, another down as much (the same mean grey)
            int tint = 1 + random.nextInt(shifted ? 30 : 20);
            int up = random.nextInt(3);
            int down = (up + 1 + random.nextInt(2)) % 3;
            bg[up] += tint;
            bg[down] -= tint;
        }
        List<Look.ItemLook> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double scale = shifted
                    ? (random.nextBoolean() ? 0.72 + 0.08 * random.nextDouble() : 1.18 + 0.07 * random.nextDouble())
                    : 0.85 + 0.3 * random.nextDouble();
            items.add(new Look.ItemLook(
                    (random.nextDouble() * 2 - 1) * 12,
                    scale,
                    random.nextInt(31) - 15,
                    random.nextInt(31) - 15,
                    random.nextInt(31) - 15));
        }
        double noise = random.nextDouble() * (shifted ? 8 : 5);
        boolean blur = random.nextDouble() < (shifted ? 0.3 : 0.2);
        int[] qualities = shifted ? SHIFTED_JPEG : TRAIN_JPEG;
        int jpeg = random.nextDouble() < (shifted ? 0.6 : 0.3) ? qualities[random.nextInt(qualities.length)] : 0;
        return new Look(
                bg[0] << 16 | bg[1] << 8 | bg[2], random.nextBoolean(), noise, random.nextLong(), blur, jpeg, items);
    }

    private static int band(int[][] bands, Random random) {
        int[] b = bands[random.nextInt(bands.length)];
        return b[0] + random.nextInt(b[1] - b[0] + 1);
    }
}
