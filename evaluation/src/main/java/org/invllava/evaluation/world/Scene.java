package org.invllava.evaluation.world;

import java.util.List;
import org.invllava.runtime.vision.RgbImage;

/** A square picture of 1-4 shapes on a grey background, each in its own quadrant. */
public record Scene(int size, List<Item> items) {
    static final int BACKGROUND = 118;

    public Scene {
        items = List.copyOf(items);
        if (items.isEmpty()
                || items.size() > 4
                || items.stream().map(Item::quadrant).distinct().count() != items.size()) {
            throw new IllegalArgumentException("a scene holds 1-4 items in distinct quadrants: " + items);
        }
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

    /** The pixels, drawn without anti-aliasing (the same bytes on every machine). */
    public RgbImage render() {
        byte[] rgb = new byte[size * size * 3];
        java.util.Arrays.fill(rgb, (byte) BACKGROUND);
        for (Item item : items) {
            double r = item.radius();
            for (int y = Math.max(0, item.cy() - item.radius());
                    y <= Math.min(size - 1, item.cy() + item.radius());
                    y++) {
                for (int x = Math.max(0, item.cx() - item.radius());
                        x <= Math.min(size - 1, item.cx() + item.radius());
                        x++) {
                    if (item.shape().contains((x - item.cx()) / r, (y - item.cy()) / r)) {
                        for (int c = 0; c < 3; c++) {
                            rgb[(y * size + x) * 3 + c] = (byte) item.colour().channel(c);
                        }
                    }
                }
            }
        }
        return new RgbImage(size, size, rgb);
    }

    /** The picture as PNG bytes. */
    public byte[] png() {
        return render().png();
    }
}
