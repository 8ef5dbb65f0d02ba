package org.invllava.gateway.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.schemas.Topics;

/**
 * The packaged gateway app ({@code target/quarkus-app}, what the image runs) as a process, configured by environment
 * variables, on a broker that has every topic (an in-JVM one of its own, or one it is given); closing it stops both
 * (the broker only when it is its own). It does not poll for the models' services unless the variables say so
 * ({@code GATEWAY_CAPACITY_POLL_MS}): then it is not ready until they run, and {@link #start} returns once its port
 * answers.
 */
public final class GatewayUnderTest implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public final KafkaSettings settings;
    public final AppProcess app;
    private final int port;
    private final AutoCloseable ownKafka;

    private GatewayUnderTest(AutoCloseable ownKafka, KafkaSettings settings, AppProcess app, int port) {
        this.ownKafka = ownKafka;
        this.settings = settings;
        this.app = app;
        this.port = port;
    }

    /** On a broker of its own, its log under {@code dir}. */
    public static GatewayUnderTest start(Path dir, String instanceId, Map<String, String> variables) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), Topics.MAX_MESSAGE_BYTES);
        try {
            TopicSetup.ensureDefaults(kafka.bootstrapServers(), (short) 1);
            return start(kafka, kafka.bootstrapServers(), dir, instanceId, variables);
        } catch (Exception | Error e) {
            kafka.close();
            throw e;
        }
    }

    /** On the broker at {@code bootstrapServers} (left running when this closes). */
    public static GatewayUnderTest on(
            String bootstrapServers, Path dir, String instanceId, Map<String, String> variables) throws Exception {
        return start(null, bootstrapServers, dir, instanceId, variables);
    }

    private static GatewayUnderTest start(
            AutoCloseable ownKafka, String bootstrap, Path dir, String instanceId, Map<String, String> variables)
            throws Exception {
        int port = AppProcess.freePort();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                bootstrap,
                "GATEWAY_HOST",
                "127.0.0.1",
                "GATEWAY_PORT",
                Integer.toString(port),
                "GATEWAY_INSTANCE_ID",
                instanceId,
                "GATEWAY_CAPACITY_POLL_MS",
                "0"));
        env.putAll(variables);
        AppProcess app = AppProcess.of(PackagedApp.GATEWAY, instanceId, env, dir.resolve("logs"));
        try {
            app.start();
            app.await("answering on port " + port, () -> answers(port), Duration.ofSeconds(60));
            if ("0".equals(env.get("GATEWAY_CAPACITY_POLL_MS"))) {
                app.awaitReady(Duration.ofSeconds(30));
            }
        } catch (Exception | Error e) {
            app.close();
            throw e;
        }
        return new GatewayUnderTest(ownKafka, KafkaSettings.of(bootstrap, instanceId + "-test"), app, port);
    }

    /** Whether the public port answers (it listens once the gateway follows Kafka). */
    private static boolean answers(int port) {
        try {
            HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + Gateway.READY_PATH))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether the gateway reports ready (its readiness probe). */
    public boolean ready() {
        return app.ready();
    }

    public int port() {
        return port;
    }

    /** Its Prometheus scrape ({@code /q/metrics} on the management port). */
    public String metrics() throws Exception {
        return app.get("/q/metrics").body();
    }

    @Override
    public void close() throws Exception {
        app.close();
        if (ownKafka != null) {
            ownKafka.close();
        }
    }
}
