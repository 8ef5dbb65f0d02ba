package org.invllava.evaluation.world;

/**
 * One shape in a scene: its kind, colour, the quadrant it sits in (0 top-left, 1 top-right, 2 bottom-left,
 * 3 bottom-right), its centre and radius in pixels.
 */
public record Item(ShapeKind shape, Colour colour, int quadrant, int cx, int cy, int radius) {
    public Item {
        if (quadrant < 0 || quadrant > 3 || radius <= 0) {
            throw new IllegalArgumentException("bad item " + shape + " in quadrant " + quadrant + ", radius " + radius);
        }
    }

    public boolean left() {
        return quadrant % 2 == 0;
    }

    public boolean top() {
        return quadrant < 2;
    }

    /** "red circle". */
    public String name() {
        return colour.word() + " " + shape.word();
    }
}
