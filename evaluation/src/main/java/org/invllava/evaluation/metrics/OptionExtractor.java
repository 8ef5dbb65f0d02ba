package org.invllava.evaluation.metrics;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the chosen option's letter out of a free-text answer to a lettered multiple-choice question (ScienceQA,
 * MMBench). In order: the answer starting with a letter ("B", "B.", "(B)", "B)", "B: ..."; not "A red circle";
 * LLaVA's ScienceQA rule accepts "B. ..."), "The answer is B" (LLaVA's fallback pattern), then the answer equal to one option's text (case and final period
 * ignored), then exactly one option's text contained in the answer. Nothing that matches: null (counted wrong).
 */
public final class OptionExtractor {
    private static final Pattern LEADING = Pattern.compile("^\\(?([A-Z])(?:[).:,]|$)");
    private static final Pattern ANSWER_IS = Pattern.compile("(?i)answer is:?\\s*\\(?([A-Z])\\b");

    private OptionExtractor() {}

    /** The letter ("A".."Z") of the option {@code answer} picks among {@code options} (A first), or null. */
    public static String extract(String answer, List<String> options) {
        String text = answer.strip();
        Matcher leading = LEADING.matcher(text);
        if (leading.find() && valid(leading.group(1), options)) {
            return leading.group(1);
        }
        Matcher answerIs = ANSWER_IS.matcher(text);
        if (answerIs.find() && valid(answerIs.group(1), options)) {
            return answerIs.group(1);
        }
        String plain = clean(text);
        for (int i = 0; i < options.size(); i++) {
            if (plain.equals(clean(options.get(i)))) {
                return letter(i);
            }
        }
        String contained = null;
        for (int i = 0; i < options.size(); i++) {
            String option = clean(options.get(i));
            if (!option.isEmpty()
                    && Pattern.compile("\\b" + Pattern.quote(option) + "\\b")
                            .matcher(plain)
                            .find()) {
                if (contained != null) {
                    return null; // two options named: no choice
                }
                contained = letter(i);
            }
        }
        return contained;
    }

    private static boolean valid(String letter, List<String> options) {
        return letter.charAt(0) - 'A' < options.size();
    }

    private static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }

    private static String clean(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return t.endsWith(".") ? t.substring(0, t.length() - 1).strip() : t;
    }
}
