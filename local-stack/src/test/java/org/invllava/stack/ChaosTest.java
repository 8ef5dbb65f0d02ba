package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault drill of {@code bin/inverse-llava chaos}, small: a broker and five service processes, twelve streaming
 * clients, and meanwhile kill -9 of random services and a broker restart. Nothing may be lost, repeated or changed.
 */
class ChaosTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsLostRepeatedOrChangedWhileProcessesAreKilled() throws Exception {
        ChaosRun.Report r = new ChaosRun(
                        new ChaosRun.Plan(
                                1,
                                2,
                                2,
                                12,
                                240,
                                4,
                                Duration.ofSeconds(3),
                                EnumSet.allOf(ServiceCommand.Kind.class),
                                1,
                                true,
                                3,
                                Duration.ofMinutes(4)),
                        dir,
                        System.out)
                .run();
        r.print(System.out);
        assertTrue(r.faults().size() >= 4, "faults happened while answers were streaming: " + r.faults());
        assertEquals(0, r.lost(), "answers lost");
        assertEquals(0, r.errors(), "answers that ended with an error");
        assertEquals(0, r.duplicatedTokens(), "tokens a client received twice or out of order");
        assertEquals(0, r.differing(), "answers that differ from the undisturbed run");
        assertEquals(0, r.truncated(), "answers cut short but reported complete");
        assertEquals(r.requests(), r.completed());
    }
}
