package org.invllava.evaluation.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The synthetic visual-QA world: pictures of coloured shapes and questions with exact answers, generated from a
 * seed. Sample {@code i} of a split depends only on (seed, split, i), so any slice is reproducible on its own; its
 * items and questions do not depend on the {@link Style} either, only its pixels do.
 */
public record World(long seed, int imageSize, Style style) {
    /** The demo vision tower's input size. */
    public static final int DEFAULT_IMAGE_SIZE = 112;
    /** What makes the looks' random stream differ from the scenes': a look never changes what a sample shows. */
    private static final long LOOK_STREAM = 0x5DEECE66DL;
    /** What makes the extra position questions' random stream differ from the extra presence questions'. */
    private static final long POSITION_STREAM = 0x2545F4914F6CDD1DL;

    /** The world drawn in the {@link Style#PLAIN} style (what the bundled demo was trained on). */
    public World(long seed, int imageSize) {
        this(seed, imageSize, Style.PLAIN);
    }

    public World {
        if (imageSize < 32) {
            throw new IllegalArgumentException("image size must be at least 32 pixels, got " + imageSize);
        }
    }

    public enum Split {
        TRAIN("train"),
        VALIDATION("val"),
        TEST("test");

        private final String label;

        Split(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One picture with its questions (and, for MME-style files, its yes/no pairs). */
    public record Sample(String imageId, Scene scene, List<WorldQuestion> questions, List<YesNoPair> yesNoPairs) {}

    public Sample sample(Split split, int index) {
        Random random = new Random(mix(seed, split.ordinal(), index));
        String imageId = split.label() + "-" + String.format("%06d", index);
        Scene scene = SceneGenerator.scene(
                imageSize, random, style, new Random(mix(seed ^ LOOK_STREAM, split.ordinal(), index)));
        List<WorldQuestion> questions = QuestionGenerator.questions(imageId, scene, random);
        return new Sample(imageId, scene, questions, QuestionGenerator.mmePairs(scene, random));
    }

    /**
     * Another presence question about {@code sample}'s picture (a shape and colour in it or not, drawn as the
     * world draws them), id {@code <image>-presence-<draw>}; depends only on (seed, image id, draw).
     */
    public WorldQuestion presence(Sample sample, int draw) {
        Random random = new Random(mix(seed, sample.imageId().hashCode(), draw));
        return QuestionGenerator.presence(sample.imageId() + "-presence-" + draw, sample.scene(), random);
    }

    /**
     * Another position question about {@code sample}'s picture (a shape it holds once, picked at random, and an axis
     * at random), id {@code <image>-position-<draw>}; depends only on (seed, image id, draw); null when every shape
     * of the picture repeats.
     */
    public WorldQuestion position(Sample sample, int draw) {
        Random random = new Random(mix(seed ^ POSITION_STREAM, sample.imageId().hashCode(), draw));
        return QuestionGenerator.position(sample.imageId() + "-position-" + draw, sample.scene(), random);
    }

    /** Samples {@code from .. from + count - 1} of {@code split}. */
    public List<Sample> samples(Split split, int from, int count) {
        List<Sample> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            out.add(sample(split, i));
        }
        return out;
    }

    private static long mix(long seed, int split, int index) {
        long h = seed * 0x9E3779B97F4A7C15L + split * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return h * 0xD6E8FEB86DA4B91BL;
    }
}
