package org.invllava.evaluation.world;

import java.util.List;

/**
 * One question about one scene with its exact answer. For {@link QuestionKind#CHOICE} the answer is the option's
 * letter and {@code choices} holds the options in order; otherwise {@code choices} is empty.
 */
public record WorldQuestion(String id, QuestionKind kind, String question, String answer, List<String> choices) {
    /** LLaVA's suffix for short open answers (VQAv2, GQA, POPE evaluation prompts). */
    public static final String SHORT_ANSWER = "Answer the question using a single word or phrase.";
    /** LLaVA's suffix for lettered multiple choice (ScienceQA, MMBench evaluation prompts). */
    public static final String LETTER_ANSWER = "Answer with the option's letter from the given choices directly.";

    public WorldQuestion {
        choices = List.copyOf(choices);
        if ((kind == QuestionKind.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException(kind + " question " + id + " with choices " + choices);
        }
    }

    /** The prompt a model is asked: the question with its options and the answer-format instruction. */
    public String prompt() {
        if (kind != QuestionKind.CHOICE) {
            return question + "\n" + SHORT_ANSWER;
        }
        return question + "\n" + lettered(choices) + LETTER_ANSWER;
    }

    /** "A. red\nB. blue\n" for the options in order. */
    public static String lettered(List<String> options) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < options.size(); i++) {
            s.append((char) ('A' + i)).append(". ").append(options.get(i)).append('\n');
        }
        return s.toString();
    }

    /**
     * What training shows the model: the benchmark prompt ({@link #prompt}), or for open questions, when
     * {@code bare}, the question alone, as people type it (so the chat page's plain questions get short answers too).
     */
    public String trainingPrompt(boolean bare) {
        return bare && kind != QuestionKind.CHOICE ? question : prompt();
    }

    /** The text of the right option (choice questions) or the answer itself. */
    public String answerText() {
        return kind == QuestionKind.CHOICE ? choices.get(answer.charAt(0) - 'A') : answer;
    }
}
