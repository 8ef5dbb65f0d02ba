package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming a stage: only the same run (same number of steps) continues from a snapshot. */
class TrainingLoopTest {
    private static final TrainOptions OPTIONS = new TrainOptions(2, 2, 1e-2, 0.0, 0.0, 1, 100);

    @Test
    void aSnapshotOfARunWithOtherStepsIsRefusedAndTheSameRunContinues(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        TrainState first = run(state, 6); // 3 batches × 2 epochs
        assertEquals(6, first.step());
        assertEquals(6, first.totalSteps());

        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> run(state, 2));
        assertTrue(
                other.getMessage().contains("holds a run of 6 steps (at step 6), this run has 2"), other.getMessage());

        TrainState again = run(state, 6);
        assertEquals(first.losses(), again.losses(), "the finished run is read back, not trained again");
    }

    /** Minimises the squared norm of one parameter over {@code examples} dummy items, snapshots in {@code state}. */
    private static TrainState run(Path state, int examples) throws Exception {
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            params.add("w", new float[] {1f, -2f, 3f}, 3);
            TrainingLoop<Integer> loop = new TrainingLoop<>("test", OPTIONS, state, x -> 1, "item");
            return loop.run(
                    Collections.nCopies(examples, 0),
                    params,
                    root,
                    (batch, m) -> params.get("w").square().sum(),
                    (epoch, step) -> Double.NaN);
        }
    }

    @Test
    void aSnapshotWithoutItsTotalIsRefusedWhenItIsPastThisRunsEnd(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        run(state, 8); // 8 steps
        Path json = state.resolve("state.json");
        String old =
                Files.readString(json).replaceAll("\\s*\"total_steps\" : 8,", ""); // as written before totals were kept
        assertFalse(old.contains("total_steps"), old);
        Files.writeString(json, old);
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> run(state, 6));
        assertTrue(
                past.getMessage().contains("holds a run of more steps (at step 8), this run has 6"), past.getMessage());
        assertEquals(8, run(state, 8).step(), "the same run still continues");
    }
}
