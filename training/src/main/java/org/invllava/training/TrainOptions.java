package org.invllava.training;

/**
 * How one stage trains: epochs over its examples, examples per step, AdamW's peak learning rate and weight decay,
 * the warm-up share of all steps (then cosine decay to 10%), the data-order seed, and how often a resumable state
 * is saved (steps; epoch ends always).
 */
public record TrainOptions(
        int epochs,
        int batchSize,
        double learningRate,
        double warmupFraction,
        double weightDecay,
        long seed,
        int saveEvery) {
    public TrainOptions {
        if (epochs < 1
                || batchSize < 1
                || learningRate <= 0
                || warmupFraction < 0
                || warmupFraction >= 1
                || weightDecay < 0
                || saveEvery < 1) {
            throw new IllegalArgumentException("bad training options " + this);
        }
    }

    public Schedule schedule(int totalSteps) {
        return new Schedule(learningRate, (int) Math.round(warmupFraction * totalSteps), totalSteps, 0.1);
    }
}
