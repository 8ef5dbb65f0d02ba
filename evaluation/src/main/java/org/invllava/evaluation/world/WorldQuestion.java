package org.invllava.evaluation.world;

import java.util.ArrayList;
import java.util.Collections;
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
    /** MME's suffix for its yes/no questions, after a space. */
    public static final String YES_NO_ANSWER = "Please answer yes or no.";

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
     * This choice question with its options rotated right by {@code k} and the letter that follows, id
     * {@code <id>-r<k>}.
     */
    public WorldQuestion rotated(int k) {
        if (kind != QuestionKind.CHOICE) {
            throw new IllegalStateException("only choice questions have options to rotate: " + id);
        }
        List<String> options = new ArrayList<>(choices);
        Collections.rotate(options, k);
        String letter = String.valueOf((char) ('A' + options.indexOf(answerText())));
        return new WorldQuestion(id + "-r" + k, kind, question, letter, options);
    }

    /** The text of the right option (choice questions) or the answer itself. */
    public String answerText() {
        return kind == QuestionKind.CHOICE ? choices.get(answer.charAt(0) - 'A') : answer;
    }
}
