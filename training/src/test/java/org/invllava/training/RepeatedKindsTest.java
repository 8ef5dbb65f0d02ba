package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.junit.jupiter.api.Test;

class RepeatedKindsTest {
    private static final World WORLD = new World(7, World.DEFAULT_IMAGE_SIZE);
    private static final List<World.Sample> TRAIN = WORLD.samples(World.Split.TRAIN, 0, 20);

    @Test
    void aPresenceCopyAsksAnotherPresenceQuestionOfTheSamePicture() {
        List<World.Sample> repeated = RepeatedKinds.of(WORLD, TRAIN, Map.of("presence", 4));
        Set<String> asked = new HashSet<>();
        for (int i = 0; i < TRAIN.size(); i++) {
            World.Sample s = TRAIN.get(i);
            List<WorldQuestion> own = s.questions();
            List<WorldQuestion> all = repeated.get(i).questions();
            assertEquals(own, all.subList(0, own.size()), "each picture's own questions first, unchanged");
            assertEquals(
                    List.of(WORLD.presence(s, 1), WORLD.presence(s, 2), WORLD.presence(s, 3)),
                    all.subList(own.size(), all.size()));
            all.stream()
                    .filter(q -> q.kind() == QuestionKind.PRESENCE)
                    .forEach(q -> asked.add(s.imageId() + q.question()));
        }
        assertTrue(
                asked.size() > TRAIN.size() * 2,
                "most copies ask something new: " + asked.size() + " of " + 4 * TRAIN.size());
    }

    @Test
    void aChoiceCopyHasItsOptionsRotatedSoTheSamePictureIsAnsweredWithAnotherLetter() {
        List<World.Sample> repeated = RepeatedKinds.of(WORLD, TRAIN, Map.of("choice", 2, "color", 2));
        for (int i = 0; i < TRAIN.size(); i++) {
            List<WorldQuestion> own = TRAIN.get(i).questions();
            List<WorldQuestion> extra = repeated.get(i)
                    .questions()
                    .subList(own.size(), repeated.get(i).questions().size());
            for (WorldQuestion q : own) {
                if (q.kind() == QuestionKind.CHOICE) {
                    WorldQuestion copy = extra.stream()
                            .filter(x -> x.kind() == QuestionKind.CHOICE)
                            .findFirst()
                            .orElseThrow();
                    assertEquals(q.rotated(1), copy);
                    assertNotEquals(q.answer(), copy.answer());
                    assertEquals(q.answerText(), copy.answerText());
                } else if (q.kind() == QuestionKind.COLOR) {
                    assertTrue(
                            extra.contains(
                                    new WorldQuestion(q.id() + "-1", q.kind(), q.question(), q.answer(), q.choices())),
                            "other kinds are copied as they are");
                }
            }
        }
    }

    @Test
    void aPositionCopyAsksAboutAShapeThePictureHoldsOnceOnAnAxisDrawnAgain() {
        List<World.Sample> repeated = RepeatedKinds.of(WORLD, TRAIN, Map.of("position", 3));
        int asked = 0;
        int differ = 0;
        for (int i = 0; i < TRAIN.size(); i++) {
            World.Sample s = TRAIN.get(i);
            List<WorldQuestion> own = s.questions();
            List<WorldQuestion> extra = repeated.get(i)
                    .questions()
                    .subList(own.size(), repeated.get(i).questions().size());
            WorldQuestion first = own.stream()
                    .filter(q -> q.kind() == QuestionKind.POSITION)
                    .findFirst()
                    .orElse(null);
            if (first == null) {
                assertEquals(List.of(), extra, "no position question, no copy");
                continue;
            }
            assertEquals(List.of(WORLD.position(s, 1), WORLD.position(s, 2)), extra);
            for (WorldQuestion copy : extra) {
                asked++;
                differ += copy.question().equals(first.question()) ? 0 : 1;
                String shape = copy.question().replaceFirst("Is the (\\w+) .*", "$1");
                var named = s.scene().items().stream()
                        .filter(it -> it.shape().word().equals(shape))
                        .toList();
                assertEquals(1, named.size(), "asks about a shape the picture holds once: " + copy);
                var item = named.get(0);
                String expected = copy.question().contains("left")
                        ? (item.left() ? "left" : "right")
                        : (item.top() ? "top" : "bottom");
                assertEquals(expected, copy.answer(), copy.toString());
            }
        }
        assertTrue(asked > 0 && differ > asked / 3, "copies ask something new: " + differ + " of " + asked);
    }

    @Test
    void nothingToRepeatKeepsTheDataAndAnUnknownKindOrLessThanOneCopyIsRefused() {
        assertSame(TRAIN, RepeatedKinds.of(WORLD, TRAIN, Map.of()));
        assertEquals(TRAIN, RepeatedKinds.of(WORLD, TRAIN, Map.of("presence", 1)));
        assertThrows(IllegalArgumentException.class, () -> RepeatedKinds.of(WORLD, TRAIN, Map.of("presence", 0)));
        IllegalArgumentException typo = assertThrows(
                IllegalArgumentException.class, () -> RepeatedKinds.of(WORLD, TRAIN, Map.of("presense", 4)));
        assertEquals(
                "--repeat presense=4: the question kinds are [color, count, presence, position, choice]",
                typo.getMessage());
    }
}
