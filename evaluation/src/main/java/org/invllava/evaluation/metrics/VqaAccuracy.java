package org.invllava.evaluation.metrics;

import java.util.List;

/**
 * The official soft VQA accuracy of one prediction against the ten human answers: for each human answer, the
 * share min(1, matches among the other nine / 3); the mean over the ten. Answers are compared after
 * {@link VqaNormalizer#normalize}.
 */
public final class VqaAccuracy {
    private VqaAccuracy() {}

    public static double of(String prediction, List<String> humanAnswers) {
        if (humanAnswers.isEmpty()) {
            throw new IllegalArgumentException("a VQA question needs at least one human answer");
        }
        String predicted = VqaNormalizer.normalize(prediction);
        List<String> gold = humanAnswers.stream().map(VqaNormalizer::normalize).toList();
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
}
