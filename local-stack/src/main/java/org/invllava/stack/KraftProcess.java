package org.invllava.stack;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.Topics;

/**
 * A single-node KRaft broker as a process of its own ({@code kafka.Kafka} from this jar), on 127.0.0.1 at a fixed
 * port, its log in a directory kept across restarts: what a fault drill kills and restarts.
 */
final class KraftProcess implements AutoCloseable {
    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    private KraftProcess(Path dir, Path properties, int port) {
        this.dir = dir;
        this.properties = properties;
        this.port = port;
    }

    /** Writes the broker's settings into {@code dir}, formats its log and starts it; returns once it answers. */
    static KraftProcess start(Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = freePort();
        int controller = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("log"),
                "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=1000",
                "message.max.bytes=" + Topics.MAX_MESSAGE_BYTES, "replica.fetch.max.bytes=" + Topics.MAX_MESSAGE_BYTES,
                "auto.create.topics.enable=false", ""));
        Process format = java(dir.resolve("format.log"), "kafka.tools.StorageTool", "format", "-t",
                uuid(), "-c", props.toString());
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IOException("formatting the broker's log failed: see " + dir.resolve("format.log"));
        }
        KraftProcess broker = new KraftProcess(dir, props, port);
        broker.restart();
        return broker;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) on the same port and log; returns once it answers. */
    void restart() throws Exception {
        process = java(dir.resolve("broker.log"), "kafka.Kafka", properties.toString());
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Admin admin = Admin.create(KafkaSettings.of(bootstrapServers(), "probe").admin())) {
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

    private static Process java(Path log, String main, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(ServiceProcess.javaBinary(), "-Xmx512m", "-cp",
                ServiceProcess.classPath(), main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private static String uuid() {
        UUID u = UUID.randomUUID(); // Kafka's cluster ids: 16 bytes, URL-safe base64 without padding
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
