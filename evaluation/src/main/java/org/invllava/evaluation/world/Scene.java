package org.invllava.evaluation.world;

import java.util.List;
import org.invllava.runtime.vision.RgbImage;

/**
 * A square picture of 1-4 shapes, each in its own quadrant, and how it is drawn ({@link Look}: the background, edges,
 * sizes, rotations, noise, JPEG; none of it changes the answers).
 */
public record Scene(int size, List<Item> items, Look look) {
    public Scene {
        items = List.copyOf(items);
        if (items.isEmpty()
                || items.size() > 4
                || items.stream().map(Item::quadrant).distinct().count() != items.size()) {
            throw new IllegalArgumentException("a scene holds 1-4 items in distinct quadrants: " + items);
        }
        if (look.items().size() != items.size()) {
            throw new IllegalArgumentException(
                    "a look per item: " + look.items().size() + " for " + items.size());
        }
    }

    /** The scene drawn as the world's first renderer drew it ({@link Look#plain}). */
    public Scene(int size, List<Item> items) {
        this(size, items, Look.plain(items.size()));
    }

    /** The items of {@code shape}. */
    public List<Item> of(ShapeKind shape) {
        return items.stream().filter(i -> i.shape() == shape).toList();
    }

    public boolean has(ShapeKind shape, Colour colour) {
        return items.stream().anyMatch(i -> i.shape() == shape && i.colour() == colour);
    }

    /** "a red circle at the top left and a blue square at the bottom right": every item, in quadrant order. */
    public String caption() {
        String[] places = {"top left", "top right", "bottom left", "bottom right"};
        return String.join(
                " and ",
                items.stream()
                        .sorted(java.util.Comparator.comparingInt(Item::quadrant))
                        .map(i -> "a " + i.name() + " at the " + places[i.quadrant()])
                        .toList());
    }

    /** The pixels ({@link Painter}: the same bytes on every machine). */
    public RgbImage render() {
        return Painter.paint(this);
    }

    /** The picture as PNG bytes. */
    public byte[] png() {
        return render().png();
    }
}
