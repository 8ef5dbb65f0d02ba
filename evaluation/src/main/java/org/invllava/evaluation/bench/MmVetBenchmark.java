package org.invllava.evaluation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.metrics.Tally;

/**
 * MM-Vet: open-ended answers graded 0.0-1.0 by a judge model with the benchmark's few-shot grading prompt
 * (its {@code mm-vet_evaluator}), then averaged per capability (a question counts towards each of its
 * capabilities) and over all, in percent. The judge is any OpenAI-compatible endpoint, given explicitly: MM-Vet
 * has no score without one. An unreadable grade is asked again (up to 5 times), then counted 0.
 */
public final class MmVetBenchmark {
    static final String GRADING_PROMPT = """
            Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. \
            <AND> in the ground truth means it is totally right only when all elements in the ground truth are present \
            in the prediction, and <OR> means it is totally right when any one element in the ground truth is present \
            in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, \
            or 1.0 (totally right). Just complete the last space of the correctness score.

            Question | Ground truth | Prediction | Correctness
            --- | --- | --- | ---
            What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
            What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
            Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland \
            and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while \
            Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the \
            names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and \
            Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very \
            green. | 0.4
            Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland \
            and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while \
            Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the \
            names of these countries do not accurately represent their landscapes. | The meme is using humor to point \
            out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green \
            landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is \
            a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme \
            is derived from the unexpected contrast between the names of the countries and their actual physical \
            characteristics. | 1.0
            """;
    /** What Python's {@code float()} reads (MM-Vet's grader parses the reply so; out of 0..1 it asks again). */
    private static final Pattern GRADE = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static final int ATTEMPTS = 5;

    private MmVetBenchmark() {}

    /** One question: its text, ground truth and capabilities. */
    private record Question(String question, String truth, List<String> capabilities) {}

    /**
     * {@code mm-vet.json} ({@code {id: {imagename, question, answer, capability: [..]}}}) with images in
     * {@code images}; answers graded by {@code judge}.
     */
    public static Benchmark of(Path file, Path images, Answerer judge) throws IOException {
        List<EvalItem> items = new ArrayList<>();
        Map<String, Question> questions = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = Json.read(file).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode q = e.getValue();
            List<String> capabilities = new ArrayList<>();
            q.path("capability").forEach(c -> capabilities.add(c.asText()));
            String question = Json.text(q, file, "question");
            items.add(new EvalItem(
                    e.getKey(),
                    capabilities.isEmpty() ? "all" : String.join(",", capabilities),
                    question,
                    ImageSource.file(images.resolve(Json.text(q, file, "imagename")))));
            questions.put(e.getKey(), new Question(question, Json.text(q, file, "answer"), capabilities));
        }
        return new ScoredBenchmark("mmvet", items, answers -> grade(items, questions, answers, judge));
    }

    private static Score grade(
            List<EvalItem> items, Map<String, Question> questions, Map<String, String> answers, Answerer judge) {
        Map<String, Double> grades = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (EvalItem item : Benchmarks.asked(items, answers)) {
            pool.execute(() -> grades.put(item.id(), grade(judge, questions.get(item.id()), answers.get(item.id()))));
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(1, TimeUnit.HOURS)) {
                throw new IllegalStateException("the MM-Vet judge did not finish within an hour");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while grading", e);
        }
        Tally total = new Tally();
        Tally capabilities = new Tally();
        grades.forEach((id, g) -> {
            total.add("all", g);
            questions.get(id).capabilities().forEach(c -> capabilities.add(c, g));
        });
        Map<String, Map<String, Double>> categories = new java.util.LinkedHashMap<>();
        capabilities.means().forEach((k, v) -> categories.put(k, Map.of("score", 100 * v)));
        return new Score("mmvet", Map.of("score", 100 * total.mean()), categories, total.count());
    }

    /** The judge's grade (0..1) of {@code prediction}; 0 when it gives none in {@value #ATTEMPTS} tries. */
    static double grade(Answerer judge, Question q, String prediction) {
        String prompt = GRADING_PROMPT + q.question() + " | "
                + q.truth().replace("<AND>", " <AND> ").replace("<OR>", " <OR> ") + " | "
                + prediction.replace("\n", " ") + " |";
        return Benchmarks.askJudge(judge, prompt, ATTEMPTS, reply -> {
                    Matcher m = GRADE.matcher(reply.strip()); // the whole reply is the number, as float(reply) reads it
                    double g = m.matches() ? Double.parseDouble(m.group()) : Double.NaN;
                    return g >= 0 && g <= 1 ? Optional.of(g) : Optional.<Double>empty();
                })
                .orElse(0.0);
    }
}
