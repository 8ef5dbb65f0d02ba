package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.junit.jupiter.api.Test;

class RepeatedKindsTest {
    private static final List<World.Sample> TRAIN = new World(7, World.DEFAULT_IMAGE_SIZE).samples(World.Split.TRAIN, 0, 5);

    @Test
    void aRepeatedKindsQuestionsComeAgainWithTheirOwnIdsAndTheOthersOnce() {
        List<World.Sample> repeated = RepeatedKinds.of(TRAIN, Map.of("presence", 3));
        for (int i = 0; i < TRAIN.size(); i++) {
            List<WorldQuestion> own = TRAIN.get(i).questions();
            List<WorldQuestion> all = repeated.get(i).questions();
            assertEquals(own, all.subList(0, own.size()), "each picture's own questions first, unchanged");
            List<WorldQuestion> extra = all.subList(own.size(), all.size());
            WorldQuestion presence = own.stream().filter(q -> q.kind() == QuestionKind.PRESENCE).findFirst().orElseThrow();
            assertEquals(List.of(presence.id() + "-1", presence.id() + "-2"), extra.stream().map(WorldQuestion::id).toList());
            extra.forEach(q -> {
                assertEquals(presence.question(), q.question());
                assertEquals(presence.answer(), q.answer());
            });
        }
    }

    @Test
    void nothingToRepeatKeepsTheDataAndAnUnknownKindOrLessThanOneCopyIsRefused() {
        assertSame(TRAIN, RepeatedKinds.of(TRAIN, Map.of()));
        assertEquals(TRAIN, RepeatedKinds.of(TRAIN, Map.of("presence", 1)));
        assertThrows(IllegalArgumentException.class, () -> RepeatedKinds.of(TRAIN, Map.of("presence", 0)));
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> RepeatedKinds.of(TRAIN, Map.of("presense", 4)));
        assertEquals("--repeat presense=4: the question kinds are [color, count, presence, position, choice]",
                typo.getMessage());
    }
}
