package org.invllava.evaluation.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorldTest {
    private final World world = new World(3, World.DEFAULT_IMAGE_SIZE);

    @Test
    void samplesAreReproducibleFromSeedSplitAndIndex() {
        World.Sample a = world.sample(World.Split.TEST, 17);
        World.Sample b = new World(3, World.DEFAULT_IMAGE_SIZE)
                .samples(World.Split.TEST, 10, 10)
                .get(7);
        assertEquals(a.questions(), b.questions());
        assertArrayEquals(a.scene().render().rgb(), b.scene().render().rgb());
        assertFalse(a.questions()
                        .equals(new World(4, World.DEFAULT_IMAGE_SIZE)
                                .sample(World.Split.TEST, 17)
                                .questions())
                && a.scene()
                        .equals(new World(4, World.DEFAULT_IMAGE_SIZE)
                                .sample(World.Split.TEST, 17)
                                .scene()));
        assertFalse(a.scene().equals(world.sample(World.Split.TRAIN, 17).scene()));
    }

    @Test
    void everyAnswerFollowsFromTheScene() {
        for (World.Sample s : world.samples(World.Split.TRAIN, 0, 300)) {
            Scene scene = s.scene();
            for (WorldQuestion q : s.questions()) {
                switch (q.kind()) {
                    case COUNT -> assertEquals(String.valueOf(scene.items().size()), q.answer());
                    case COLOR, CHOICE -> {
                        Item item = named(scene, q.question());
                        assertEquals(item.colour().word(), q.answerText(), q.toString());
                    }
                    case PRESENCE -> assertEquals(present(scene, q.question()) ? "yes" : "no", q.answer());
                    case POSITION -> {
                        Item item = named(scene, q.question());
                        String expected = q.question().contains("left")
                                ? (item.left() ? "left" : "right")
                                : (item.top() ? "top" : "bottom");
                        assertEquals(expected, q.answer());
                    }
                }
            }
        }
    }

    @Test
    void eachRotationMovesTheOptionsAndItsLetterStillNamesTheRightColour() {
        for (WorldQuestion q : world.samples(World.Split.TRAIN, 0, 20).stream()
                .flatMap(s -> s.questions().stream())
                .filter(x -> x.kind() == QuestionKind.CHOICE)
                .toList()) {
            Set<String> letters = new HashSet<>();
            for (int k = 0; k < 4; k++) {
                WorldQuestion r = q.rotated(k);
                List<String> expected = new ArrayList<>(q.choices());
                Collections.rotate(expected, k);
                assertEquals(expected, r.choices());
                assertEquals(q.answerText(), r.answerText(), "the letter of " + r.id() + " names the picture's colour");
                assertEquals(q.question(), r.question());
                letters.add(r.answer());
            }
            assertEquals(Set.of("A", "B", "C", "D"), letters, "four rotations put the right colour under every letter");
            assertEquals(
                    q,
                    new WorldQuestion(
                            q.id(),
                            q.kind(),
                            q.question(),
                            q.rotated(0).answer(),
                            q.rotated(0).choices()),
                    "rotation 0 keeps the options and the answer");
        }
    }

    @Test
    void onlyChoiceQuestionsHaveOptionsToRotate() {
        WorldQuestion count = world.sample(World.Split.TRAIN, 0).questions().stream()
                .filter(q -> q.kind() == QuestionKind.COUNT)
                .findFirst()
                .orElseThrow();
        assertThrows(IllegalStateException.class, () -> count.rotated(1));
    }

    @Test
    void morePresenceQuestionsOfAPictureAreReproducibleAndAnsweredByItsScene() {
        int yes = 0;
        for (World.Sample s : world.samples(World.Split.TRAIN, 0, 100)) {
            for (int draw = 1; draw <= 3; draw++) {
                WorldQuestion q = world.presence(s, draw);
                assertEquals(s.imageId() + "-presence-" + draw, q.id());
                assertEquals(QuestionKind.PRESENCE, q.kind());
                assertEquals(present(s.scene(), q.question()) ? "yes" : "no", q.answer(), q.question());
                assertEquals(q, new World(3, World.DEFAULT_IMAGE_SIZE).presence(s, draw));
                yes += q.answer().equals("yes") ? 1 : 0;
            }
        }
        assertTrue(yes > 100 && yes < 200, "yes at about even odds: " + yes + " of 300");
    }

    @Test
    void plainPicturesShowTheItemsColoursOnGrey118AsTheFirstRendererDrewThem() throws Exception {
        World plain = new World(7, World.DEFAULT_IMAGE_SIZE); // the default style
        Scene scene = plain.sample(World.Split.VALIDATION, 5).scene();
        var image = scene.render();
        for (Item item : scene.items()) {
            assertEquals(item.colour().channel(0), image.get(item.cx(), item.cy(), 0), item.toString()); // centre pixel
        }
        assertEquals(Look.PLAIN_GREY, image.get(scene.size() / 2, scene.size() / 2, 1)); // the quadrants' meeting point
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 40; i++) {
            sha.update(plain.sample(World.Split.TEST, i).scene().render().rgb());
        }
        assertEquals( // the bytes the renderer drew before looks existed (measured on that code)
                "0ac28d7cd10287af813493b0b54d7547009e73ab0afc077140a3be2e2818a968",
                java.util.HexFormat.of().formatHex(sha.digest()));
    }

    @Test
    void aStyleChangesThePixelsNeverTheQuestions() {
        for (int i = 0; i < 20; i++) {
            World.Sample augmented =
                    new World(3, World.DEFAULT_IMAGE_SIZE, Style.AUGMENTED).sample(World.Split.TEST, i);
            World.Sample shifted = new World(3, World.DEFAULT_IMAGE_SIZE, Style.SHIFTED).sample(World.Split.TEST, i);
            assertEquals(augmented.questions(), shifted.questions());
            assertEquals(augmented.scene().items(), shifted.scene().items());
            assertFalse(java.util.Arrays.equals(
                    augmented.scene().render().rgb(), shifted.scene().render().rgb()));
        }
    }

    @Test
    void shiftedBackgroundsAreGreysTheAugmentedWorldNeverDraws() {
        World shifted = new World(3, World.DEFAULT_IMAGE_SIZE, Style.SHIFTED);
        World augmented = new World(3, World.DEFAULT_IMAGE_SIZE, Style.AUGMENTED);
        for (int i = 0; i < 200; i++) {
            int[] trained =
                    greyOf(augmented.sample(World.Split.TRAIN, i).scene().look());
            int[] unseen = greyOf(shifted.sample(World.Split.TEST, i).scene().look());
            assertTrue(inBands(trained, Style.TRAIN_GREYS), java.util.Arrays.toString(trained));
            assertFalse(inBands(unseen, Style.TRAIN_GREYS), java.util.Arrays.toString(unseen));
        }
    }

    /** The background's channels. */
    private static int[] greyOf(Look look) {
        return new int[] {look.background(0), look.background(1), look.background(2)};
    }

    /** Whether the channels' mean (the grey a pale colour was made from) lies within {@code bands}. */
    private static boolean inBands(int[] rgb, int[][] bands) {
        double mean = (rgb[0] + rgb[1] + rgb[2]) / 3.0;
        for (int[] b : bands) {
            if (mean >= b[0] && mean <= b[1]) {
                return true;
            }
        }
        return false;
    }

    @Test
    void questionKindsAreAllAsked() {
        List<World.Sample> samples = world.samples(World.Split.TRAIN, 0, 200);
        for (QuestionKind k : QuestionKind.values()) {
            assertTrue(
                    samples.stream()
                                    .flatMap(s -> s.questions().stream())
                                    .filter(q -> q.kind() == k)
                                    .count()
                            > 100,
                    k.label());
        }
        long yes = samples.stream()
                .flatMap(s -> s.questions().stream())
                .filter(q -> q.kind() == QuestionKind.PRESENCE && q.answer().equals("yes"))
                .count();
        assertTrue(yes > 70 && yes < 130, "presence answers balanced: " + yes + " yes of 200");
    }

    /** The only item of the shape the question names ("the circle"). */
    private static Item named(Scene scene, String question) {
        for (ShapeKind shape : ShapeKind.values()) {
            if (question.contains("the " + shape.word())) {
                List<Item> items = scene.of(shape);
                assertEquals(1, items.size(), "a named shape occurs once: " + question);
                return items.get(0);
            }
        }
        throw new AssertionError("no shape named in " + question);
    }

    /** Whether "Is there a red circle in the image?" is answered yes by {@code scene}. */
    private static boolean present(Scene scene, String question) {
        String name = question.replace("Is there a ", "").replace(" in the image?", "");
        return scene.items().stream().anyMatch(i -> i.name().equals(name));
    }
}
