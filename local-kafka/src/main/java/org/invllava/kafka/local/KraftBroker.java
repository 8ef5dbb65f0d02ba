package org.invllava.kafka.local;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka (KRaft, combined broker and controller) inside this JVM, listening on the host asked for
 * (127.0.0.1 by default, not every interface), its log in a directory that may be kept: started again on the same
 * directory and port, it has every topic and committed offset it had. {@link SingleNode}'s settings.
 */
public final class KraftBroker implements AutoCloseable {
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private KraftBroker(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker on {@code host}:{@code port} (0: a free port) with its log in {@code dir} (formatted if new). */
    public static KraftBroker start(Path dir, String host, int port, int maxMessageBytes) throws Exception {
        Files.createDirectories(dir);
        int brokerPort = port > 0 ? port : freePort(host);
        Properties p = properties(dir, host, brokerPort, freePort(host), maxMessageBytes);
        format(dir, p);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        KraftBroker broker = new KraftBroker(server, host + ":" + brokerPort);
        try {
            broker.awaitReady();
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    private static Properties properties(Path dir, String host, int port, int controllerPort, int maxMessageBytes) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("log").toString());
        p.putAll(SingleNode.settings(maxMessageBytes));
        return p;
    }

    /** Formats the log directory unless it already is (a restart keeps what was written). */
    private static void format(Path dir, Properties p) throws Exception {
        String logs = p.getProperty("log.dirs");
        if (Files.exists(Path.of(logs, "meta.properties"))) {
            return;
        }
        UUID u = UUID.randomUUID(); // a cluster id: 16 bytes, URL-safe base64 without padding
        String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(16)
                .putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
        try (PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
            new Formatter().setPrintStream(quiet).setNodeId(1).setClusterId(clusterId)
                    .setDirectories(List.of(logs)).setMetadataLogDirectory(logs)
                    .setControllerListenerName("CONTROLLER").setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES).setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(true).run();
        }
    }

    private void awaitReady() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrapServers);
        try (Admin a = Admin.create(admin)) {
            while (true) {
                try {
                    a.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > until) {
                        throw new IOException("the broker at " + bootstrapServers + " did not answer within 60 s", e);
                    }
                }
            }
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /** A port free now on {@code host}. */
    public static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
