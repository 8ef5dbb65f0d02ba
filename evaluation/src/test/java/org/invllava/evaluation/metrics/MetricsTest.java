package org.invllava.evaluation.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void vqaNormalisationFollowsTheOfficialScript() {
        assertEquals("2 dogs", VqaNormalizer.normalize("Two dogs!"));
        assertEquals("don't know", VqaNormalizer.normalize("dont know"));
        assertEquals("1000", VqaNormalizer.normalize("1,000"));
        assertEquals("3.5", VqaNormalizer.normalize("3.5"));
        assertEquals("red", VqaNormalizer.normalize("  The red.\n"));
        assertEquals("black white", VqaNormalizer.normalize("black/white"));
    }

    @Test
    void vqaEvalNormalisesOnlyThePredictionFullyTextVqaBoth() {
        List<String> two = Collections.nCopies(10, "two");
        assertEquals(
                0.0, VqaAccuracy.of("2", two), 1e-9, "vqaEval.py: unanimous human answers are compared as written");
        assertEquals(0.0, VqaAccuracy.of("two", two), 1e-9, "the prediction's 'two' becomes '2'");
        assertEquals(1.0, VqaAccuracy.bothNormalised("2", two), 1e-9, "TextVQA's evaluator normalises both");
        List<String> mixed = new java.util.ArrayList<>(Collections.nCopies(9, "Two"));
        mixed.add("three");
        assertEquals(0.0, VqaAccuracy.of("two", mixed), 1e-9, "disagreeing answers lose punctuation only, not case");
        List<String> punctuated = new java.util.ArrayList<>(Collections.nCopies(9, "t-shirt"));
        punctuated.add("shirt");
        assertEquals(1.0, VqaAccuracy.of("T-shirt!", punctuated), 1e-9, "both sides: 't shirt'");
    }

    @Test
    void softVqaAccuracyAveragesOverLeaveOneOutSubsets() {
        List<String> gold = new java.util.ArrayList<>(Collections.nCopies(3, "red"));
        gold.addAll(Collections.nCopies(7, "blue"));
        assertEquals(0.9, VqaAccuracy.of("Red.", gold), 1e-9); // red gt: 2 others → 2/3; blue gt: 3 → 1
        assertEquals(1.0, VqaAccuracy.of("the blue", gold), 1e-9);
        assertEquals(0.0, VqaAccuracy.of("green", gold), 1e-9);
        assertEquals(
                0.6,
                VqaAccuracy.of(
                        "unanswerable",
                        List.of("unanswerable", "unanswerable", "no", "no", "no", "no", "no", "no", "no", "no")),
                1e-9); // 2 gts see 1 match (1/3 each), 8 see 2 (2/3 each): (2/3 + 16/3)/10
    }

    @Test
    void mmeCountsAccuracyAndAccPlusPerImage() {
        Score s = MmeScore.of(List.of(
                new MmeScore.Answered("existence", "a", "Yes", "Yes, there is."),
                new MmeScore.Answered("existence", "a", "No", "no"),
                new MmeScore.Answered("existence", "b", "Yes", "yes"),
                new MmeScore.Answered("existence", "b", "No", "There is a cat"), // neither: wrong
                new MmeScore.Answered("code_reasoning", "c", "No", "No.")));
        assertEquals(75.0, s.categories().get("existence").get("acc"), 1e-9);
        assertEquals(50.0, s.categories().get("existence").get("acc_plus"), 1e-9);
        assertEquals(125.0, s.metrics().get("perception"), 1e-9);
        assertEquals(200.0, s.metrics().get("cognition"), 1e-9);
        assertEquals(YesNo.Label.OTHER, YesNo.mme("Maybe"));
    }

    @Test
    void popePrecisionRecallF1AndYesRatio() {
        Score s = PopeScore.of(List.of(
                new PopeScore.Answered("random", "yes", "Yes, there is a dog."),
                new PopeScore.Answered("random", "yes", "yes"),
                new PopeScore.Answered("random", "no", "There is a dog"), // no "no"/"not": yes (false positive)
                new PopeScore.Answered("random", "no", "No, there is not.")));
        assertEquals(75.0, s.metrics().get("accuracy"), 1e-9);
        assertEquals(200.0 / 3, s.metrics().get("precision"), 1e-9);
        assertEquals(100.0, s.metrics().get("recall"), 1e-9);
        assertEquals(80.0, s.metrics().get("f1"), 1e-9);
        assertEquals(75.0, s.metrics().get("yes_ratio"), 1e-9);
        assertEquals(s.metrics(), s.categories().get("random"));
    }

    @Test
    void popeOverAllIsTheMeanOfTheFilesPooledIsASecondLine() {
        List<PopeScore.Answered> answers = new java.util.ArrayList<>();
        answers.add(new PopeScore.Answered("random", "yes", "yes")); // random: 1 of 1 right
        for (int i = 0; i < 3; i++) { // adversarial: 1 of 3 right
            answers.add(new PopeScore.Answered("adversarial", "no", i == 0 ? "no" : "yes"));
        }
        Score s = PopeScore.of(answers);
        assertEquals((100.0 + 100.0 / 3) / 2, s.metrics().get("accuracy"), 1e-9, "mean of the files (papers)");
        assertEquals(50.0, s.categories().get(PopeScore.POOLED).get("accuracy"), 1e-9, "2 of 4 answers pooled");
    }

    @Test
    void optionExtractionEdgeCases() {
        List<String> options = List.of("green", "blue", "red", "white");
        // ScienceQA (LLaVA's eval_science_qa.py): a letter, "X. ...", or "The answer is X." once; nothing else
        assertEquals("B", OptionExtractor.scienceQa("B", options));
        assertEquals("A", OptionExtractor.scienceQa("A. green", options));
        assertEquals("D", OptionExtractor.scienceQa("Well. The answer is D.", options));
        assertNull(OptionExtractor.scienceQa("(C) red", options));
        assertNull(OptionExtractor.scienceQa("Blue.", options), "an option's text is not read");
        assertNull(OptionExtractor.scienceQa("The answer is A. The answer is B.", options), "twice: failed");
        assertNull(OptionExtractor.scienceQa("E", options), "no option E");
        assertNull(OptionExtractor.scienceQa("", options));
        // MMBench (can_infer): one option letter among the words, else one option's text contained
        assertEquals("B", OptionExtractor.mmBench("I think B", options));
        assertEquals("B", OptionExtractor.mmBench("Option B.", options));
        assertEquals("C", OptionExtractor.mmBench("(C) red", options));
        assertEquals("A", OptionExtractor.mmBench("A red circle", options), "as MMBench reads it: the letter A");
        assertEquals("B", OptionExtractor.mmBench("It is blue.", options), "the option's text");
        assertNull(OptionExtractor.mmBench("A or B", options), "two letters");
        assertNull(OptionExtractor.mmBench("red or blue", options), "two options named");
        assertNull(OptionExtractor.mmBench("E", options));
    }
}
