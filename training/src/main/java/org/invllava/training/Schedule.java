package org.invllava.training;

/** Linear warm-up to the peak learning rate, then cosine decay to {@code floor}·peak at the last step. */
public record Schedule(double peak, int warmupSteps, int totalSteps, double floor) {
    public Schedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps < 1 || floor < 0 || floor > 1) {
            throw new IllegalArgumentException(
                    "bad schedule " + peak + ", " + warmupSteps + ", " + totalSteps + ", " + floor);
        }
    }

    /** The learning rate of step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
