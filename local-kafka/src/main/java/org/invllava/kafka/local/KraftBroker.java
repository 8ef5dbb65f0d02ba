package org.invllava.kafka.local;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
        return start(dir, host, port, maxMessageBytes, "PLAINTEXT", Map.of(), Map.of());
    }

    /**
     * A broker as a secured cluster runs one: every client authenticates (SASL/PLAIN, one password per user in
     * {@code passwords}, plus {@link #SUPER_USER} who may do anything) and may do only what ACLs allow (KRaft's
     * {@code StandardAuthorizer}, no ACL means no access). Clients connect with {@link #clientSecurity}.
     */
    public static KraftBroker startWithAcls(Path dir, String host, int maxMessageBytes, Map<String, String> passwords)
            throws Exception {
        Map<String, String> users = new TreeMap<>(passwords);
        users.put(SUPER_USER, SUPER_PASSWORD);
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + SUPER_USER + "\" password=\"" + SUPER_PASSWORD + "\"");
        users.forEach((user, password) -> jaas.append(" user_")
                .append(user)
                .append("=\"")
                .append(password)
                .append('"'));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                jaas.append(';').toString());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        // the controller listener (not advertised) is plaintext: its principal, the broker itself, is ANONYMOUS
        p.put("super.users", "User:" + SUPER_USER + ";User:ANONYMOUS");
        p.put("allow.everyone.if.no.acl.found", "false");
        return start(dir, host, 0, maxMessageBytes, "SASL_PLAINTEXT", p, clientSecurity(SUPER_USER, SUPER_PASSWORD));
    }

    /** The client settings of {@code user} for a broker started by {@link #startWithAcls}. */
    public static Map<String, String> clientSecurity(String user, String password) {
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "PLAIN",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                        + password + "\";");
    }

    /** The user who may do anything on a broker started by {@link #startWithAcls} (ACLs, topics). */
    public static final String SUPER_USER = "admin";

    public static final String SUPER_PASSWORD = "admin-secret";

    private static KraftBroker start(
            Path dir,
            String host,
            int port,
            int maxMessageBytes,
            String protocol,
            Map<String, String> extra,
            Map<String, String> adminSecurity)
            throws Exception {
        privateDirectory(dir);
        int brokerPort = port > 0 ? port : freePort(host);
        Properties p = properties(dir, host, brokerPort, freePort(host), maxMessageBytes, protocol);
        p.putAll(extra);
        format(dir, p);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        KraftBroker broker = new KraftBroker(server, host + ":" + brokerPort);
        try {
            broker.awaitReady(adminSecurity);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    private static Properties properties(
            Path dir, String host, int port, int controllerPort, int maxMessageBytes, String protocol) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("listeners", protocol + "://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", protocol + "://" + host + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", protocol);
        p.put("listener.security.protocol.map", protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT");
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
        String clusterId = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(ByteBuffer.allocate(16)
                        .putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits())
                        .array());
        try (PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(1)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logs))
                    .setMetadataLogDirectory(logs)
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(true)
                    .run();
        }
    }

    private void awaitReady(Map<String, String> security) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Properties admin = new Properties();
        admin.putAll(security);
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

    /** The port it listens on (to start it again at the same address). */
    public int port() {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /**
     * Creates {@code dir} if needed and makes it readable by its owner only (rwx------ where the file system has POSIX
     * permissions): the broker's log holds every prompt, image and answer.
     */
    public static Path privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the folder's ACLs apply
        }
        return dir;
    }

    /** A port free now on {@code host}. */
    public static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
