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
 * such a kind again, {@code times − 1} more, each with its own id so that it draws its own prompt form
 * ({@link Prompts#training}). For kinds whose signal the others' gradients drown. So that a copy teaches something
 * the first did not, a presence copy asks about another shape and colour ({@link World#presence}), a position copy
 * about a shape the picture holds once on an axis drawn again ({@link World#position}), and a choice copy has the
 * options rotated ({@link WorldQuestion#rotated}: copy k by k places, so the same picture's answer is another letter
 * and only matching the colour to an option fits them all); other kinds are copied as they are.
 */
final class RepeatedKinds {
    private RepeatedKinds() {}

    /**
     * {@code samples} (of {@code world}) with each question of a kind in {@code times} (kind label → copies, at least
     * 1) repeated.
     */
    static List<World.Sample> of(World world, List<World.Sample> samples, Map<String, Integer> times) {
        List<String> kinds =
                Arrays.stream(QuestionKind.values()).map(QuestionKind::label).toList();
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
                    questions.add(copy(world, s, q, copy));
                }
            }
            out.add(new World.Sample(s.imageId(), s.scene(), questions, s.yesNoPairs()));
        }
        return out;
    }

    /** Copy {@code n} (1, 2, ...) of {@code q}, a question about {@code sample}'s picture. */
    static WorldQuestion copy(World world, World.Sample sample, WorldQuestion q, int n) {
        return switch (q.kind()) {
            case PRESENCE -> world.presence(sample, n);
            case POSITION -> world.position(sample, n);
            case CHOICE -> q.rotated(n);
            default -> new WorldQuestion(q.id() + "-" + n, q.kind(), q.question(), q.answer(), q.choices());
        };
    }
}
