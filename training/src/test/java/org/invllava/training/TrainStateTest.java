package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainStateTest {
    @Test
    void aSnapshotOfParametersOfAnotherShapeIsRefusedByName(@TempDir Path dir) throws Exception {
        try (NDManager root = NDManager.newBaseManager();
                Parameters rank4 = new Parameters(root);
                Parameters rank8 = new Parameters(root)) {
            rank4.add("lora_a", new float[4 * 3], 4, 3);
            new TrainState(1, 10, List.of(0.5), List.of()).save(dir, rank4, AdamW.standard(0));
            rank8.add("lora_a", new float[8 * 3], 8, 3);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TrainState.load(dir, rank8, AdamW.standard(0)));
            assertTrue(e.getMessage().contains("lora_a has 12 numbers there, 24 in this run"), e.getMessage());
        }
    }
}
