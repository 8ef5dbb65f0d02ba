package org.invllava.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service ({@code service vision|fusion|gateway}) as a process of its own, that a fault drill kills and restarts. */
final class ServiceProcess implements AutoCloseable {
    private final String name;
    private final ServiceCommand.Kind kind;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    ServiceProcess(String name, ServiceCommand.Kind kind, Map<String, String> env, Path log) {
        this.name = name;
        this.kind = kind;
        this.env = Map.copyOf(env);
        this.log = log;
    }

    String name() {
        return name;
    }

    ServiceCommand.Kind kind() {
        return kind;
    }

    /** Starts it (again), with the same settings. */
    void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx768m", "-XX:+UseSerialGC",
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS", "-cp", classPath(), StackMain.class.getName(), "service", kind.name()));
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(env);
        b.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // one arena per thread grows the RSS (docs/weights.md)
        process = b.start();
    }

    /** {@code kill -9}: no shutdown hook, nothing flushed or committed. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        return System.getProperty("java.class.path");
    }
}
