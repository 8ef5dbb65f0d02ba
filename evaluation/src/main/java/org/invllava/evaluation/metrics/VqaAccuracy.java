package org.invllava.evaluation.metrics;

import java.util.List;
import java.util.Set;

/**
 * The soft VQA accuracy of one prediction against the ten human answers: for each human answer, the share
 * min(1, matches among the other nine / 3); the mean over the ten. Two rules for what is compared, each its
 * benchmark's official scorer's: {@link #of} (VQAv2, VizWiz: {@code vqaEval.py}) and {@link #bothNormalised}
 * (TextVQA: {@code m4c}'s {@code TextVQAAccuracyEvaluator}).
 */
public final class VqaAccuracy {
    private VqaAccuracy() {}

    /**
     * As {@code vqaEval.py} compares: the prediction fully normalised ({@link VqaNormalizer#normalize}), the human
     * answers only stripped, and only when they disagree also stripped of punctuation
     * ({@link VqaNormalizer#punctuation}): never lower-cased, never number words to digits. A prediction "2" against
     * ten "two" scores 0 (the annotations of VQAv2 and VizWiz are written normalised already).
     */
    public static double of(String prediction, List<String> humanAnswers) {
        List<String> gold = humanAnswers.stream().map(VqaAccuracy::stripped).toList();
        if (Set.copyOf(gold).size() > 1) {
            gold = gold.stream().map(VqaNormalizer::punctuation).toList();
        }
        return leaveOneOut(VqaNormalizer.normalize(prediction), gold);
    }

    /** As TextVQA's evaluator compares: prediction and human answers alike through {@link VqaNormalizer#normalize}. */
    public static double bothNormalised(String prediction, List<String> humanAnswers) {
        return leaveOneOut(
                VqaNormalizer.normalize(prediction),
                humanAnswers.stream().map(VqaNormalizer::normalize).toList());
    }

    private static double leaveOneOut(String predicted, List<String> gold) {
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("a VQA question needs at least one human answer");
        }
        double sum = 0;
        for (int i = 0; i < gold.size(); i++) {
            int matches = 0;
            for (int j = 0; j < gold.size(); j++) {
                if (j != i && gold.get(j).equals(predicted)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / 3.0);
        }
        return sum / gold.size();
    }

    private static String stripped(String answer) {
        return answer.replace('\n', ' ').replace('\t', ' ').strip();
    }
}
