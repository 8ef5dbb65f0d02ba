package org.invllava.evaluation.bench;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.invllava.evaluation.metrics.OptionExtractor;

/**
 * MMBench's answer matching: its rules ({@link OptionExtractor#mmBench}) first and, for an answer they cannot read, a judge
 * model asked which option the answer means, with the matching prompt of MMBench's evaluator (VLMEvalKit's
 * {@code build_prompt}, English for both languages). The judge answers a letter, or Z for none; a reply without a
 * valid letter is asked again (3 tries), then the answer counts as no option. Without a judge, the rules alone.
 */
final class ChoiceJudge {
    static final String MATCHING_PROMPT = """
            You are an AI assistant who will help me to match an answer with several options of a single-choice \
            question. You are provided with a question, several options, and an answer, and you need to find which \
            option is most similar to the answer. If the meaning of all options are significantly different from the \
            answer, output Z. Your should output a single uppercase character in A, B, C, D (if they are valid \
            options), and Z.\s
            Example 1:\s
            Question: What is the main object in image?
            Options: A. teddy bear B. rabbit C. cat D. dog
            Answer: a cute teddy bear
            Your output: A
            Example 2:\s
            Question: What is the main object in image?
            Options: A. teddy bear B. rabbit C. cat D. dog
            Answer: Spider
            Your output: Z
            Example 3:\s
            Question: %s?
            Options: %s
            Answer: %s
            Your output:\s""";
    private static final Pattern LETTER = Pattern.compile("\\b([A-Z])\\b");
    private static final int ATTEMPTS = 3;

    private final Answerer judge; // or null

    ChoiceJudge(Answerer judge) {
        this.judge = judge;
    }

    /** The letter of the option {@code answer} picks among {@code options} for {@code question}, or null. */
    String match(String question, List<String> options, String answer) {
        String letter = OptionExtractor.mmBench(answer, options);
        if (letter != null || judge == null) {
            return letter;
        }
        String prompt =
                MATCHING_PROMPT.formatted(question, optionList(options), answer); // as VLMEvalKit: a final "?" doubles
        return Benchmarks.askJudge(judge, prompt, ATTEMPTS, reply -> {
                    Matcher m = LETTER.matcher(reply.strip()); // a valid option's letter, or Z for none
                    return m.find() && (m.group(1).equals("Z") || m.group(1).charAt(0) - 'A' < options.size())
                            ? Optional.of(m.group(1))
                            : Optional.<String>empty();
                })
                .filter(picked -> !picked.equals("Z"))
                .orElse(null);
    }

    /** MMBench's option string: "There are several options: \n" then "A. text\n" per option. */
    static String optionList(List<String> options) {
        StringBuilder s = new StringBuilder("There are several options: \n");
        for (int i = 0; i < options.size(); i++) {
            s.append((char) ('A' + i)).append(". ").append(options.get(i)).append('\n');
        }
        return s.toString();
    }
}
