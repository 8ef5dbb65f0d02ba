package org.invllava.evaluation.world;

/** The shapes of the synthetic world, each with its word and an inside test on a unit-radius frame. */
public enum ShapeKind {
    CIRCLE("circle"),
    SQUARE("square"),
    TRIANGLE("triangle");

    private final String word;

    ShapeKind(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** Whether the offset {@code (dx, dy)} from the centre, in radii, falls inside the shape. */
    boolean contains(double dx, double dy) {
        return switch (this) {
            case CIRCLE -> dx * dx + dy * dy <= 1.0;
            case SQUARE -> Math.abs(dx) <= 0.85 && Math.abs(dy) <= 0.85;
            // apex at (0, -1), base from (-1, 1) to (1, 1)
            case TRIANGLE -> dy <= 1.0 && dy >= -1.0 && Math.abs(dx) <= (dy + 1.0) / 2.0;
        };
    }
}
