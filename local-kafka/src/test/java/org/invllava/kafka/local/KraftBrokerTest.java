package org.invllava.kafka.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's folder holds every prompt, image and answer: only its owner may read it (it was 0755 with 0644 files). */
class KraftBrokerTest {
    @TempDir
    Path tmp;

    @Test
    void theLogFolderIsTheOwnersOnly() throws Exception {
        Path dir = tmp.resolve("work").resolve("broker");
        try (KraftBroker broker = KraftBroker.start(dir, "127.0.0.1", 0, 1 << 20)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
        Path existing = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));
        KraftBroker.privateDirectory(existing);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));
    }
}
