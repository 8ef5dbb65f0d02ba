package org.invllava.training;

import org.invllava.evaluation.runner.Progress;

/**
 * The training progress line on stderr: a bar, step, epoch, loss (mean of the last 20 steps), learning rate,
 * scored tokens per second and ETA; redrawn in place on a terminal, a plain line every 5% otherwise.
 */
final class TrainProgress {
    private final String name;
    private final int total;
    private final String unit;
    private final boolean terminal = Progress.redrawable();
    private final long start = System.nanoTime();
    private final int firstStep;
    private final double[] recent = new double[20];
    private long tokens;
    private int seen;
    private long lastDraw;
    private int lastTick = -1;

    TrainProgress(String name, int total, int firstStep, String unit) {
        this.name = name;
        this.total = total;
        this.firstStep = firstStep;
        this.unit = unit;
    }

    void update(int step, int epoch, int epochs, double loss, double lr, int scoredTokens) {
        recent[seen++ % recent.length] = loss;
        tokens += scoredTokens;
        long now = System.nanoTime();
        int tick = step * 20 / total;
        if (terminal ? now - lastDraw < 200_000_000L && step < total : tick == lastTick && step < total) {
            return;
        }
        lastDraw = now;
        lastTick = tick;
        double seconds = (now - start) / 1e9;
        double stepsPerSecond = (step - firstStep) / seconds;
        double mean = 0;
        int n = Math.min(seen, recent.length);
        for (int i = 0; i < n; i++) {
            mean += recent[i] / n;
        }
        String line = String.format(
                "[%s] %s step %d/%d epoch %d/%d loss %.4f lr %.2e %.0f %s/s ETA %s",
                name,
                Progress.bar(step, total, 24),
                step,
                total,
                epoch,
                epochs,
                mean,
                lr,
                tokens / seconds,
                unit,
                stepsPerSecond > 0 ? Progress.duration((total - step) / stepsPerSecond) : "?");
        System.err.print(terminal ? "\r" + line + (step == total ? "\n" : "") : line + "\n");
        System.err.flush();
    }
}
