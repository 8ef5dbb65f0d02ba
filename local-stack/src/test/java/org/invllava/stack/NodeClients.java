package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real JavaScript clients for the end-to-end tests: the scripts and {@code package.json} of {@code src/test/node},
 * installed with the machine's npm from the npm registry into {@code target/node-clients}, run with its Node.js.
 * Tests are skipped (with a message) only where {@code node} is absent; a failing install fails them.
 */
final class NodeClients {
    private static final Path SOURCE = Path.of("src/test/node");
    private static final Path HOME = Path.of("target/node-clients");
    private static boolean installed;

    private NodeClients() {
    }

    static boolean onPath(String command) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Installs the clients once per test run; skips the calling test when Node.js is missing. */
    static synchronized Path install() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "node/npm not found: skipping the real JavaScript client tests");
        if (!installed) {
            Files.createDirectories(HOME);
            try (Stream<Path> files = Files.list(SOURCE)) {
                for (Path f : files.toList()) {
                    Files.copy(f, HOME.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Result r = exec(new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"), 600);
            assertEquals(0, r.exit(), "npm install failed:\n" + r.output());
            installed = true;
        }
        return HOME;
    }

    /** Runs {@code script} with {@code env}; returns the JSON object it prints last (its exit code must be 0). */
    static JsonNode run(String script, Map<String, String> env) throws Exception {
        Path home = install();
        ProcessBuilder pb = new ProcessBuilder("node", script);
        pb.environment().putAll(env);
        Result r = exec(pb.directory(home.toFile()), 180);
        assertEquals(0, r.exit(), script + " failed:\n" + r.output());
        String[] lines = r.output().strip().split("\n");
        return StreamClient.JSON.readTree(lines[lines.length - 1]);
    }

    private record Result(int exit, String output) {
    }

    private static Result exec(ProcessBuilder pb, int timeoutSeconds) throws Exception {
        if (pb.directory() == null) {
            pb.directory(HOME.toFile());
        }
        Path log = Files.createTempFile("node-client", ".log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(ended ? p.exitValue() : -1, ended ? output : output + "\n(timed out after " + timeoutSeconds + " s)");
    }
}
