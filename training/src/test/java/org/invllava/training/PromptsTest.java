package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.junit.jupiter.api.Test;

class PromptsTest {
    private static final World WORLD = new World(7, World.DEFAULT_IMAGE_SIZE);
    private static final List<WorldQuestion> QUESTIONS =
            RepeatedKinds.of(WORLD, WORLD.samples(World.Split.TRAIN, 0, 200), Map.of("presence", 4)).stream()
                    .flatMap(s -> s.questions().stream())
                    .toList();

    @Test
    void choiceIsAlwaysAskedInItsBenchmarkForm() {
        QUESTIONS.stream()
                .filter(q -> q.kind() == QuestionKind.CHOICE)
                .forEach(q -> assertEquals(q.prompt(), Prompts.training(q), q.id()));
    }

    @Test
    void halfTheOpenQuestionsHaveTheShortAnswerInstructionAndTheRestAreBare() {
        Map<String, Integer> forms = new HashMap<>();
        QUESTIONS.stream()
                .filter(q -> q.kind() != QuestionKind.CHOICE && q.kind() != QuestionKind.PRESENCE)
                .forEach(q -> {
                    String prompt = Prompts.training(q);
                    assertEquals(
                            Prompts.bare(q) ? q.question() : q.question() + "\n" + WorldQuestion.SHORT_ANSWER,
                            prompt,
                            q.id());
                    forms.merge(Prompts.bare(q) ? "bare" : "short", 1, Integer::sum);
                });
        assertBalanced(forms, "bare", "short");
    }

    @Test
    void yesNoQuestionsAlsoComeWithMmesInstructionInPlaceOfHalfTheBareOnes() {
        Map<String, Integer> forms = new HashMap<>();
        QUESTIONS.stream().filter(q -> q.kind() == QuestionKind.PRESENCE).forEach(q -> {
            String prompt = Prompts.training(q);
            String form = prompt.equals(q.question())
                    ? "bare"
                    : prompt.equals(q.question() + " Please answer yes or no.")
                            ? "mme"
                            : prompt.equals(q.question() + "\n" + WorldQuestion.SHORT_ANSWER)
                                    ? "short"
                                    : "other: " + prompt;
            assertEquals(
                    Prompts.bare(q), !form.equals("short"), q.id() + ": the short form is exactly the non-bare half");
            forms.merge(form, 1, Integer::sum);
        });
        assertEquals(3, forms.size(), "bare, MME and short forms only: " + forms);
        assertBalanced(
                Map.of("bare+mme", forms.get("bare") + forms.get("mme"), "short", forms.get("short")),
                "bare+mme",
                "short");
        assertBalanced(forms, "bare", "mme");
    }

    /** Each of the two forms holds between a third and two thirds of the questions. */
    private static void assertBalanced(Map<String, Integer> forms, String a, String b) {
        double share = forms.get(a) / (double) (forms.get(a) + forms.get(b));
        assertTrue(share > 1 / 3.0 && share < 2 / 3.0, a + " vs " + b + ": " + forms);
    }
}
