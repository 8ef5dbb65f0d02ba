package org.invllava.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident-set figures of this process from /proc (Linux); -1 where unavailable. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Peak resident set (VmHWM) in bytes. */
    public static long peakRss() {
        return statusField("VmHWM:");
    }

    /** Resets the peak to the current RSS (writes 5 to clear_refs), so each phase reports its own peak. */
    public static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux or not permitted: the peak then covers the whole process
        }
    }

    private static long statusField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
