package org.invllava.evaluation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.metrics.OptionExtractor;
import org.invllava.evaluation.metrics.Tally;
import org.invllava.evaluation.world.WorldQuestion;

/** Lettered multiple choice: ScienceQA-IMG and MMBench / MMBench-CN (with circular evaluation). */
public final class ChoiceBenchmarks {
    /** MMBench-CN's instruction (LLaVA's evaluation prompt for Chinese). */
    static final String LETTER_ANSWER_CN = "请直接回答选项字母。";

    private ChoiceBenchmarks() {}

    /** One question with its options (A first) and the right option's index; {@code hint} may be empty. */
    private record Choice(
            String id,
            String category,
            String hint,
            String question,
            List<String> options,
            int answer,
            ImageSource image) {}

    /**
     * ScienceQA's {@code problems.json} and {@code pid_splits.json} in {@code dir}: the problems of {@code split}
     * that have an image (the IMG subset), images at {@code images/<split>/<pid>/<image>}; categories are subjects.
     */
    public static Benchmark scienceQa(Path dir, String split) throws IOException {
        JsonNode problems = Json.read(dir.resolve("problems.json"));
        JsonNode ids = Json.read(dir.resolve("pid_splits.json")).path(split);
        if (!ids.isArray()) {
            throw new IOException(dir.resolve("pid_splits.json") + ": no split " + split);
        }
        List<Choice> choices = new ArrayList<>();
        for (JsonNode pid : ids) {
            JsonNode p = problems.path(pid.asText());
            if (p.path("image").isNull() || p.path("image").asText("").isEmpty()) {
                continue;
            }
            List<String> options = new ArrayList<>();
            p.path("choices").forEach(c -> options.add(c.asText()));
            Path image = dir.resolve("images")
                    .resolve(split)
                    .resolve(pid.asText())
                    .resolve(p.path("image").asText());
            if (!Files.exists(image)) {
                image = dir.resolve(split)
                        .resolve(pid.asText())
                        .resolve(p.path("image").asText());
            }
            choices.add(new Choice(
                    pid.asText(),
                    p.path("subject").asText("all"),
                    p.path("hint").asText(""),
                    p.path("question").asText(),
                    options,
                    p.path("answer").asInt(),
                    ImageSource.file(image)));
        }
        List<EvalItem> items = choices.stream()
                .map(c -> new EvalItem(c.id(), c.category(), scienceQaPrompt(c), c.image()))
                .toList();
        Map<String, Choice> byId = new HashMap<>();
        choices.forEach(c -> byId.put(c.id(), c));
        return new ScoredBenchmark("scienceqa", items, answers -> {
            Tally tally = new Tally();
            for (Choice c : choices) {
                if (!answers.containsKey(c.id())) {
                    continue;
                }
                String letter = OptionExtractor.scienceQa(answers.get(c.id()), c.options());
                tally.add(c.category(), letter != null && letter.charAt(0) - 'A' == c.answer() ? 1 : 0);
            }
            return Scores.accuracy("scienceqa", tally);
        });
    }

    /**
     * LLaVA's ScienceQA prompt (its CQM-A format): the context first ({@code N/A} when the problem has none), the
     * question, the lettered options, then the instruction to answer with a letter.
     */
    static String scienceQaPrompt(Choice c) {
        return "Context: " + (c.hint().isBlank() ? "N/A" : c.hint()) + "\n" + c.question() + "\n"
                + WorldQuestion.lettered(c.options()) + WorldQuestion.LETTER_ANSWER;
    }

    /**
     * An MMBench TSV ({@code index, question, hint, A, B, C, D[, E...], answer, category, image} with base64
     * images). Circular: each question is asked once per rotation of its options and counts as right only when
     * every rotation is; otherwise once. {@code chinese} selects MMBench-CN's instruction. Answers the rules cannot
     * read are matched by {@code judge} when given ({@link ChoiceJudge}: MMBench's ChatGPT matching), else wrong.
     */
    public static Benchmark mmBench(Path tsv, boolean circular, boolean chinese) throws IOException {
        return mmBench(tsv, circular, chinese, null);
    }

    /** As {@link #mmBench(Path, boolean, boolean)}, unreadable answers matched by {@code judge} (null: none). */
    public static Benchmark mmBench(Path tsv, boolean circular, boolean chinese, Answerer judge) throws IOException {
        List<Choice> choices = new ArrayList<>();
        for (Map<String, String> row : Tsv.read(tsv)) {
            List<String> options = new ArrayList<>();
            for (char letter = 'A'; row.containsKey(String.valueOf(letter)); letter++) {
                String o = row.get(String.valueOf(letter));
                if (o == null || o.isBlank() || o.equals("nan")) {
                    break;
                }
                options.add(o);
            }
            String answer = row.getOrDefault("answer", "");
            if (options.size() < 2 || answer.length() != 1 || answer.charAt(0) - 'A' >= options.size()) {
                throw new IOException(
                        tsv + ": question " + row.get("index") + " needs 2+ options and a valid answer letter");
            }
            String hint = row.getOrDefault("hint", "");
            choices.add(new Choice(
                    row.get("index"),
                    row.getOrDefault("category", "all"),
                    hint.equals("nan") ? "" : hint,
                    row.get("question"),
                    options,
                    answer.charAt(0) - 'A',
                    ImageSource.base64(row.getOrDefault("image", ""))));
        }
        String instruction = chinese ? LETTER_ANSWER_CN : WorldQuestion.LETTER_ANSWER;
        List<EvalItem> items = new ArrayList<>();
        Map<String, List<String>> rotatedOptions = new LinkedHashMap<>();
        for (Choice c : choices) {
            int n = circular ? c.options().size() : 1;
            for (int r = 0; r < n; r++) {
                List<String> rotated = rotate(c.options(), r);
                String id = c.id() + "@" + r;
                rotatedOptions.put(id, rotated);
                items.add(new EvalItem(
                        id,
                        c.category(),
                        (c.hint().isBlank() ? "" : c.hint() + "\n") + c.question() + "\n"
                                + WorldQuestion.lettered(rotated) + instruction,
                        c.image()));
            }
        }
        ChoiceJudge matcher = new ChoiceJudge(judge);
        return new ScoredBenchmark(chinese ? "mmbench_cn" : "mmbench", items, answers -> {
            Tally tally = new Tally();
            for (Choice c : choices) {
                int n = circular ? c.options().size() : 1;
                boolean right = true;
                boolean asked = false;
                for (int r = 0; r < n; r++) {
                    String id = c.id() + "@" + r;
                    if (answers.containsKey(id)) {
                        String letter = matcher.match(c.question(), rotatedOptions.get(id), answers.get(id));
                        right &= letter != null
                                && letter.charAt(0) - 'A'
                                        == Math.floorMod(
                                                c.answer() - r, c.options().size());
                        asked = true;
                    }
                }
                if (asked) {
                    tally.add(c.category(), right ? 1 : 0);
                }
            }
            return Scores.accuracy(chinese ? "mmbench_cn" : "mmbench", tally);
        });
    }

    /** The options shifted left by {@code r}: option i of the result is option (i + r) mod n of the original. */
    static List<String> rotate(List<String> options, int r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            out.add(options.get((i + r) % options.size()));
        }
        return out;
    }
}
