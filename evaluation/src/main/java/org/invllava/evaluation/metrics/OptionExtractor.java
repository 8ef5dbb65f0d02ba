package org.invllava.evaluation.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the chosen option's letter out of a free-text answer to a lettered multiple-choice question, as each
 * benchmark's official scorer does: {@link #scienceQa} (LLaVA's {@code eval_science_qa.py}) and {@link #mmBench}
 * (MMBench's {@code can_infer}: {@code can_infer_option}, then {@code can_infer_text}). Nothing read: null (counted
 * wrong; where LLaVA's ScienceQA script would pick a random option, we do not).
 */
public final class OptionExtractor {
    private static final Pattern THE_ANSWER_IS = Pattern.compile("The answer is ([A-Z]).");
    /** The characters {@code can_infer_option} turns into spaces before splitting the answer into words. */
    private static final String MMBENCH_SEPARATORS = ".()[],:;!*#{}";

    private OptionExtractor() {}

    /**
     * LLaVA's ScienceQA rule: the answer is a letter, or starts with a letter and {@code ". "}, or holds
     * "The answer is X." exactly once; the letter must name one of {@code options}.
     */
    public static String scienceQa(String answer, List<String> options) {
        String letter = null;
        if (answer.length() == 1) {
            letter = answer;
        } else if (answer.length() >= 3 && answer.substring(1, 3).equals(". ")) {
            letter = answer.substring(0, 1);
        } else {
            Matcher m = THE_ANSWER_IS.matcher(answer);
            List<String> found = new ArrayList<>();
            while (m.find()) {
                found.add(m.group(1));
            }
            letter = found.size() == 1 ? found.get(0) : null;
        }
        return letter != null && isOption(letter, options) ? letter : null;
    }

    /**
     * MMBench's rule: punctuation to spaces, split into words; exactly one word that is an option's letter picks it
     * ("B", "I think B", "Option B", also "A red circle"); otherwise exactly one option whose text (lower case) the
     * answer contains.
     */
    public static String mmBench(String answer, List<String> options) {
        String spaced = answer;
        for (char c : MMBENCH_SEPARATORS.toCharArray()) {
            spaced = spaced.replace(c, ' ');
        }
        List<String> words = List.of(spaced.strip().split("\\s+"));
        String named = null;
        int count = 0;
        for (int i = 0; i < options.size(); i++) {
            if (words.contains(letter(i))) {
                named = letter(i);
                count++;
            }
        }
        if (count == 1) {
            return named;
        }
        String lower = answer.toLowerCase(Locale.ROOT);
        String contained = null;
        for (int i = 0; i < options.size(); i++) {
            if (lower.contains(options.get(i).toLowerCase(Locale.ROOT))) {
                if (contained != null) {
                    return null;
                }
                contained = letter(i);
            }
        }
        return contained;
    }

    private static boolean isOption(String letter, List<String> options) {
        int index = letter.charAt(0) - 'A';
        return index >= 0 && index < options.size();
    }

    private static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }
}
