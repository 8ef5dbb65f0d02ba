package org.invllava.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * The epochs of one stage: shuffled batches (order fixed by the seed and epoch), forward and loss through
 * {@link LossFunction}, backward, AdamW with warm-up and cosine decay; a snapshot every {@code saveEvery} steps and
 * at each epoch end, from which a later run continues the same loss curve; a hook after each epoch (validation).
 */
final class TrainingLoop<T> {
    /** Builds the model from the current parameters and returns the batch's scalar loss, owned by {@code m}. */
    interface LossFunction<T> {
        NDArray loss(List<T> batch, NDManager m);
    }

    /** Runs after each epoch with the epoch (1-based) and step; returns a validation accuracy in % (or NaN). */
    interface EpochHook {
        double afterEpoch(int epoch, int step) throws Exception;
    }

    private final String name;
    private final TrainOptions options;
    private final Path stateDir;
    private final ToIntFunction<T> size;
    private final String unit;

    /** {@code size} counts what a training item contributes to the progress line's rate, in {@code unit}s. */
    TrainingLoop(String name, TrainOptions options, Path stateDir, ToIntFunction<T> size, String unit) {
        this.name = name;
        this.options = options;
        this.stateDir = stateDir;
        this.size = size;
        this.unit = unit;
    }

    /** A loop over examples, the rate in scored tokens. */
    static TrainingLoop<Example> overTokens(String name, TrainOptions options, Path stateDir) {
        return new TrainingLoop<>(name, options, stateDir, Example::scoredTokens, "tok");
    }

    TrainState run(List<T> examples, Parameters params, NDManager root, LossFunction<T> lossFunction, EpochHook hook)
            throws Exception {
        int perEpoch = (examples.size() + options.batchSize() - 1) / options.batchSize();
        int total = perEpoch * options.epochs();
        Schedule schedule = options.schedule(total);
        AdamW optimizer = AdamW.standard(options.weightDecay());
        TrainState resumed = TrainState.load(stateDir, params, optimizer);
        List<Double> losses = new ArrayList<>(resumed == null ? List.of() : resumed.losses());
        List<double[]> validation = new ArrayList<>(resumed == null ? List.of() : resumed.validation());
        int step = resumed == null ? 0 : resumed.step();
        if (resumed != null) {
            refuseOtherPlan(resumed, total);
            System.err.printf("[%s] resuming at step %d of %d from %s%n", name, step, total, stateDir);
        }
        TrainProgress progress = new TrainProgress(name, total, step, unit);
        while (step < total) {
            int epoch = step / perEpoch;
            List<Integer> order = order(examples.size(), epoch);
            for (int b = step % perEpoch; b < perEpoch; b++) {
                List<T> batch = new ArrayList<>();
                for (int i = b * options.batchSize();
                        i < Math.min(examples.size(), (b + 1) * options.batchSize());
                        i++) {
                    batch.add(examples.get(order.get(i)));
                }
                float loss;
                try (NDManager m = root.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = lossFunction.loss(batch, m);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                if (!Float.isFinite(loss)) {
                    throw new IllegalStateException(name + ": loss is " + loss + " at step " + step + " (lower --lr?)");
                }
                optimizer.step(params, schedule.at(step));
                losses.add((double) loss);
                step++;
                progress.update(
                        step,
                        epoch + 1,
                        options.epochs(),
                        loss,
                        schedule.at(step - 1),
                        batch.stream().mapToInt(size).sum());
                if (step % options.saveEvery() == 0 && step % perEpoch != 0) {
                    new TrainState(step, total, losses, validation).save(stateDir, params, optimizer);
                }
            }
            double accuracy = hook.afterEpoch(epoch + 1, step);
            if (!Double.isNaN(accuracy)) {
                validation.add(new double[] {step, accuracy});
            }
            new TrainState(step, total, losses, validation).save(stateDir, params, optimizer);
        }
        return new TrainState(step, total, losses, validation);
    }

    /**
     * A snapshot of a run with another number of steps (other data, epochs or batch size) cannot be continued: its
     * schedule and data order are not this run's, and a snapshot past this run's end would end it untrained.
     */
    private void refuseOtherPlan(TrainState resumed, int total) {
        boolean other = resumed.totalSteps() == TrainState.UNKNOWN_TOTAL
                ? resumed.step() > total
                : resumed.totalSteps() != total;
        if (other) {
            throw new IllegalArgumentException(String.format(
                    "[%s] %s holds a run of %s steps (at step %d), this run has %d "
                            + "(other data, --epochs or --batch-size?): give another --work to start anew",
                    name,
                    stateDir,
                    resumed.totalSteps() == TrainState.UNKNOWN_TOTAL ? "more" : String.valueOf(resumed.totalSteps()),
                    resumed.step(),
                    total));
        }
    }

    private List<Integer> order(int n, int epoch) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(options.seed() * 1_000_003L + epoch));
        return order;
    }
}
