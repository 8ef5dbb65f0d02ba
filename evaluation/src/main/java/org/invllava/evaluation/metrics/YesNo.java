package org.invllava.evaluation.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How the public benchmarks read a yes/no answer out of free text. */
public final class YesNo {
    public enum Label {
        YES,
        NO,
        OTHER
    }

    private YesNo() {}

    /**
     * MME's {@code parse_pred_ans}: lower case; "yes" or "no" as is; else "yes" or "no" within the first four
     * characters; else other (counted wrong).
     */
    public static Label mme(String answer) {
        String a = answer.strip().toLowerCase(Locale.ROOT);
        if (a.equals("yes") || a.equals("no")) {
            return a.equals("yes") ? Label.YES : Label.NO;
        }
        String prefix = a.substring(0, Math.min(4, a.length()));
        return prefix.contains("yes") ? Label.YES : prefix.contains("no") ? Label.NO : Label.OTHER;
    }

    /**
     * POPE's rule (LLaVA's {@code eval_pope.py}): the first sentence, commas dropped; no when a word is "No", "no"
     * or "not", else yes.
     */
    public static Label pope(String answer) {
        String text = answer;
        int period = text.indexOf('.');
        if (period >= 0) {
            text = text.substring(0, period);
        }
        List<String> words = Arrays.asList(text.replace(",", "").split(" "));
        return words.contains("No") || words.contains("not") || words.contains("no") ? Label.NO : Label.YES;
    }
}
