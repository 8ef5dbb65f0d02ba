package org.invllava.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.local.KraftBroker;

/**
 * The {@code broker} command as a process of its own, on 127.0.0.1 at a fixed port, its log in a directory kept
 * across restarts: what a fault drill stops and starts again.
 */
final class KraftProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private KraftProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a broker with its log in {@code dir}, on a free port; returns once it answers. */
    static KraftProcess start(Path dir) throws Exception {
        Files.createDirectories(dir);
        KraftProcess broker = new KraftProcess(dir, KraftBroker.freePort("127.0.0.1"));
        broker.restart();
        return broker;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) on the same port and log; returns once it answers. */
    void restart() throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                StackMain.class.getName(),
                "broker",
                "--dir",
                dir.toString(),
                "--port",
                String.valueOf(port));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("broker.log").toFile()))
                .start();
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Admin admin =
                Admin.create(KafkaSettings.of(bootstrapServers(), "probe").admin())) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (!process.isAlive() || System.nanoTime() > until) {
                        throw new IOException("the broker did not start: see " + dir.resolve("broker.log"), e);
                    }
                }
            }
        }
    }

    /** Kills the broker (-9: no flush, no controlled shutdown) and waits for it to be gone. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Stops the broker cleanly (SIGTERM) and waits for it. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
