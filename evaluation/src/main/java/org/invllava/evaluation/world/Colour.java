package org.invllava.evaluation.world;

/** The colours of the synthetic world: a word and an sRGB value far from the grey background and each other. */
public enum Colour {
    RED("red", 220, 40, 40),
    GREEN("green", 40, 170, 60),
    BLUE("blue", 40, 80, 230),
    YELLOW("yellow", 245, 215, 40),
    WHITE("white", 250, 250, 250);

    private final String word;
    private final int r;
    private final int g;
    private final int b;

    Colour(String word, int r, int g, int b) {
        this.word = word;
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public String word() {
        return word;
    }

    int channel(int c) {
        return c == 0 ? r : c == 1 ? g : b;
    }
}
