package org.invllava.training;

import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.WorldQuestion;

/**
 * The prompt forms training shows, chosen by the question's id (the same in every stage and run): lettered choice
 * always in its benchmark form; half the other questions in theirs (the short-answer instruction, as VQAv2, GQA and
 * POPE ask), the other half bare, as people type them. Half of the bare yes/no questions end with MME's
 * instruction instead ("Is there a red circle in the image? Please answer yes or no."), so that form gets a yes or
 * a no too.
 */
final class Prompts {
    private Prompts() {}

    /** The prompt {@code q} is trained with. */
    static String training(WorldQuestion q) {
        if (q.kind() == QuestionKind.CHOICE || !bare(q)) {
            return q.prompt();
        }
        return q.kind() == QuestionKind.PRESENCE && (q.id().hashCode() & 2) != 0
                ? q.question() + " " + WorldQuestion.YES_NO_ANSWER
                : q.question();
    }

    /** Half the questions, chosen by their id. */
    static boolean bare(WorldQuestion q) {
        return (q.id().hashCode() & 1) == 0;
    }
}
