package org.invllava.evaluation.world;

/** The kinds of question the world asks, each with its benchmark style. */
public enum QuestionKind {
    /** "What color is the circle?": a colour word (VQAv2/GQA style). */
    COLOR("color"),
    /** "How many shapes are in the image?": a digit (VQAv2 style). */
    COUNT("count"),
    /** "Is there a red circle in the image?": yes or no (POPE/MME style). */
    PRESENCE("presence"),
    /** "Is the circle on the left or on the right?": left, right, top or bottom (GQA style). */
    POSITION("position"),
    /** "What color is the square?" with lettered options: a letter (ScienceQA/MMBench style). */
    CHOICE("choice");

    private final String label;

    QuestionKind(String label) {
        this.label = label;
    }

    /** The lower-case name used as a category in files and reports. */
    public String label() {
        return label;
    }
}
