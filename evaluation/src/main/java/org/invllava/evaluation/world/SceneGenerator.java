package org.invllava.evaluation.world;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Draws scenes: 1-4 shapes of random kind, colour and size, one per quadrant, placed with jitter; then their look. */
final class SceneGenerator {
    private SceneGenerator() {}

    /** A scene drawn from {@code random}, its look drawn in {@code style} from {@code looks}. */
    static Scene scene(int size, Random random, Style style, Random looks) {
        int count = 1 + random.nextInt(4);
        List<Integer> quadrants = new ArrayList<>(List.of(0, 1, 2, 3));
        Collections.shuffle(quadrants, random);
        List<Item> items = new ArrayList<>();
        int cell = size / 2;
        for (int i = 0; i < count; i++) {
            int quadrant = quadrants.get(i);
            int radius = (int) Math.round(size * (random.nextBoolean() ? 0.10 : 0.16));
            int margin = radius + 2;
            int span = Math.max(1, cell - 2 * margin);
            int cx = quadrant % 2 * cell + margin + random.nextInt(span);
            int cy = quadrant / 2 * cell + margin + random.nextInt(span);
            ShapeKind shape = ShapeKind.values()[random.nextInt(ShapeKind.values().length)];
            Colour colour = Colour.values()[random.nextInt(Colour.values().length)];
            items.add(new Item(shape, colour, quadrant, cx, cy, radius));
        }
        return new Scene(size, items, style.draw(items.size(), looks));
    }
}
