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
    void optionExtractionEdgeCases() {
        List<String> options = List.of("green", "blue", "red", "white");
        assertEquals("B", OptionExtractor.extract("B", options));
        assertEquals("C", OptionExtractor.extract("(C) red", options));
        assertEquals("A", OptionExtractor.extract("A. green", options));
        assertEquals("D", OptionExtractor.extract("The answer is D.", options));
        assertEquals("B", OptionExtractor.extract("Blue.", options)); // the option's text
        assertEquals("C", OptionExtractor.extract("A red circle", options)); // "A" is an article, red is named
        assertNull(OptionExtractor.extract("E", options)); // no option E
        assertNull(OptionExtractor.extract("red or blue", options)); // two options named
        assertNull(OptionExtractor.extract("", options));
    }
}
