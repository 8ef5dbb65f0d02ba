package org.invllava.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;

/**
 * The question stages' data with some question kinds repeated ({@code train --repeat presence=4}): each question of
 * such a kind again, {@code times − 1} more, with its own id so that each copy draws its own prompt form
 * ({@link Prompts#bare}). For kinds whose signal the others' gradients drown.
 */
final class RepeatedKinds {
    private RepeatedKinds() {
    }

    /** {@code samples} with each question of a kind in {@code times} (kind label → copies, at least 1) repeated. */
    static List<World.Sample> of(List<World.Sample> samples, Map<String, Integer> times) {
        List<String> kinds = Arrays.stream(QuestionKind.values()).map(QuestionKind::label).toList();
        times.forEach((kind, n) -> {
            if (!kinds.contains(kind)) {
                throw new IllegalArgumentException("--repeat " + kind + "=" + n + ": the question kinds are " + kinds);
            }
            if (n < 1) {
                throw new IllegalArgumentException("--repeat " + kind + "=" + n + ": at least 1 copy");
            }
        });
        if (times.isEmpty()) {
            return samples;
        }
        List<World.Sample> out = new ArrayList<>(samples.size());
        for (World.Sample s : samples) {
            List<WorldQuestion> questions = new ArrayList<>(s.questions());
            for (WorldQuestion q : s.questions()) {
                for (int copy = 1; copy < times.getOrDefault(q.kind().label(), 1); copy++) {
                    questions.add(new WorldQuestion(q.id() + "-" + copy, q.kind(), q.question(), q.answer(), q.choices()));
                }
            }
            out.add(new World.Sample(s.imageId(), s.scene(), questions, s.yesNoPairs()));
        }
        return out;
    }
}
