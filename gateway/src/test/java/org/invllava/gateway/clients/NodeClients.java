package org.invllava.gateway.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real JavaScript programs for tests: the scripts and {@code package.json} of a test folder (a module's
 * {@code src/test/node}), installed with the machine's npm from the npm registry into a folder under
 * {@code target/}, run with its Node.js. Tests are skipped (with a message) only where {@code node} is absent; a
 * failing install fails them.
 */
public final class NodeClients {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path source;
    private final Path home;
    private boolean installed;

    public NodeClients(Path source, Path home) {
        this.source = source;
        this.home = home;
    }

    /** The module's {@code src/test/node}, installed into {@code target/node-clients}. */
    public static NodeClients ofModule() {
        return new NodeClients(Path.of("src/test/node"), Path.of("target/node-clients"));
    }

    public static boolean onPath(String command) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + command)
                            .start()
                            .waitFor()
                    == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Installs the clients once per test run; skips the calling test when Node.js is missing. */
    public synchronized Path install() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "node/npm not found: skipping the real JavaScript client tests");
        if (!installed) {
            Files.createDirectories(home);
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.toList()) {
                    Files.copy(f, home.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Result r = exec(new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"), 600);
            assertEquals(0, r.exit(), "npm install failed:\n" + r.output());
            installed = true;
        }
        return home;
    }

    /** Runs {@code script} with {@code env}; returns the JSON object it prints last (its exit code must be 0). */
    public JsonNode run(String script, Map<String, String> env, String... args) throws Exception {
        install();
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Result r = exec(pb.directory(home.toFile()), 180);
        assertEquals(0, r.exit(), script + " failed:\n" + r.output());
        String[] lines = r.output().strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private record Result(int exit, String output) {}

    private Result exec(ProcessBuilder pb, int timeoutSeconds) throws Exception {
        if (pb.directory() == null) {
            pb.directory(home.toFile());
        }
        Path log = Files.createTempFile("node-client", ".log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(
                ended ? p.exitValue() : -1, ended ? output : output + "\n(timed out after " + timeoutSeconds + " s)");
    }
}
