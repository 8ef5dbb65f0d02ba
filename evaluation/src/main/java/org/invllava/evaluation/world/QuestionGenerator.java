package org.invllava.evaluation.world;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The questions of one scene, one per kind where the kind applies: questions that name a shape ("the circle") are
 * asked only about a shape that occurs exactly once, so each has one right answer.
 */
final class QuestionGenerator {
    private static final String[] COUNT_WORDS = {"zero", "one", "two", "three", "four", "five"};

    private QuestionGenerator() {}

    static List<WorldQuestion> questions(String imageId, Scene scene, Random random) {
        List<WorldQuestion> out = new ArrayList<>();
        Item single = singleItem(scene, random);
        if (single != null) {
            out.add(open(
                    imageId,
                    QuestionKind.COLOR,
                    "What color is the " + single.shape().word() + "?",
                    single.colour().word()));
        }
        out.add(open(
                imageId,
                QuestionKind.COUNT,
                "How many shapes are in the image?",
                String.valueOf(scene.items().size())));
        out.add(presence(imageId + "-" + QuestionKind.PRESENCE.label(), scene, random));
        if (single != null) {
            out.add(position(imageId + "-" + QuestionKind.POSITION.label(), single, random.nextBoolean()));
            out.add(choice(imageId, single, random));
        }
        return out;
    }

    /** Yes/no pairs per MME perception category (existence, count, position, color): the first answer is yes. */
    static List<YesNoPair> mmePairs(Scene scene, Random random) {
        List<YesNoPair> out = new ArrayList<>();
        Item any = scene.items().get(random.nextInt(scene.items().size()));
        Item absent = absentItem(scene, random);
        out.add(new YesNoPair(
                "existence",
                "Is there a " + any.name() + " in this image?",
                "Is there a " + absent.name() + " in this image?"));
        int n = scene.items().size();
        int wrong = n == 1 ? 2 : n == 4 ? 3 : random.nextBoolean() ? n - 1 : n + 1;
        out.add(new YesNoPair(
                "count",
                "Are there " + COUNT_WORDS[n] + " shapes in this image?",
                "Are there " + COUNT_WORDS[wrong] + " shapes in this image?"));
        Item single = singleItem(scene, random);
        if (single != null) {
            String side = single.left() ? "left" : "right";
            String other = single.left() ? "right" : "left";
            out.add(new YesNoPair(
                    "position",
                    "Is the " + single.shape().word() + " on the " + side + " of the image?",
                    "Is the " + single.shape().word() + " on the " + other + " of the image?"));
            Colour wrongColour = otherColours(single.colour(), random).get(0);
            out.add(new YesNoPair(
                    "color",
                    "Is the " + single.shape().word() + " " + single.colour().word() + "?",
                    "Is the " + single.shape().word() + " " + wrongColour.word() + "?"));
        }
        return out;
    }

    private static WorldQuestion open(String imageId, QuestionKind kind, String question, String answer) {
        return new WorldQuestion(imageId + "-" + kind.label(), kind, question, answer, List.of());
    }

    /** "Is there a red circle in the image?", about a shape in the scene or one that is not, at even odds. */
    static WorldQuestion presence(String id, Scene scene, Random random) {
        Item asked = random.nextBoolean()
                ? scene.items().get(random.nextInt(scene.items().size()))
                : absentItem(scene, random);
        boolean present = scene.has(asked.shape(), asked.colour());
        return new WorldQuestion(
                id,
                QuestionKind.PRESENCE,
                "Is there a " + asked.name() + " in the image?",
                present ? "yes" : "no",
                List.of());
    }

    /** "Is the square on the left or on the right?" ({@code horizontal}) or "... at the top or at the bottom?". */
    static WorldQuestion position(String id, Item single, boolean horizontal) {
        String question = horizontal
                ? "Is the " + single.shape().word() + " on the left or on the right?"
                : "Is the " + single.shape().word() + " at the top or at the bottom?";
        String answer = horizontal ? (single.left() ? "left" : "right") : (single.top() ? "top" : "bottom");
        return new WorldQuestion(id, QuestionKind.POSITION, question, answer, List.of());
    }

    /**
     * A position question about a shape that occurs once in {@code scene}, picked at random with its axis; null when
     * every shape repeats.
     */
    static WorldQuestion position(String id, Scene scene, Random random) {
        Item single = singleItem(scene, random);
        return single == null ? null : position(id, single, random.nextBoolean());
    }

    private static WorldQuestion choice(String imageId, Item single, Random random) {
        List<Colour> options =
                new ArrayList<>(otherColours(single.colour(), random).subList(0, 3));
        options.add(single.colour());
        Collections.shuffle(options, random);
        char letter = (char) ('A' + options.indexOf(single.colour()));
        return new WorldQuestion(
                imageId + "-" + QuestionKind.CHOICE.label(),
                QuestionKind.CHOICE,
                "What color is the " + single.shape().word() + "?",
                String.valueOf(letter),
                options.stream().map(Colour::word).toList());
    }

    /** A shape that occurs once in the scene, picked at random; null when every shape repeats. */
    private static Item singleItem(Scene scene, Random random) {
        List<Item> singles = scene.items().stream()
                .filter(i -> scene.of(i.shape()).size() == 1)
                .toList();
        return singles.isEmpty() ? null : singles.get(random.nextInt(singles.size()));
    }

    /** A shape and colour not in the scene (quadrant and position unused). */
    private static Item absentItem(Scene scene, Random random) {
        while (true) {
            ShapeKind shape = ShapeKind.values()[random.nextInt(ShapeKind.values().length)];
            Colour colour = Colour.values()[random.nextInt(Colour.values().length)];
            if (!scene.has(shape, colour)) {
                return new Item(shape, colour, 0, 0, 0, 1);
            }
        }
    }

    private static List<Colour> otherColours(Colour colour, Random random) {
        List<Colour> others = new ArrayList<>(Arrays.asList(Colour.values()));
        others.remove(colour);
        Collections.shuffle(others, random);
        return others;
    }
}
