package org.invllava.gateway.server;

import java.nio.file.Path;
import java.util.function.Function;
import org.invllava.gateway.GatewayConfig;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.schemas.Topics;

/** A started gateway on an in-JVM broker of its own that has every topic; closing it stops both. */
final class GatewayUnderTest implements AutoCloseable {
    final EmbeddedKafka kafka;
    final KafkaSettings settings;
    final GatewayServer server;

    private GatewayUnderTest(EmbeddedKafka kafka, KafkaSettings settings, GatewayServer server) {
        this.kafka = kafka;
        this.settings = settings;
        this.server = server;
    }

    /** The broker's log under {@code dir}; {@code config} makes the gateway's configuration for the broker's settings. */
    static GatewayUnderTest start(Path dir, String clientId, Function<KafkaSettings, GatewayConfig> config) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), Topics.MAX_MESSAGE_BYTES);
        try {
            TopicSetup.ensureDefaults(kafka.bootstrapServers(), (short) 1);
            KafkaSettings settings = KafkaSettings.of(kafka.bootstrapServers(), clientId);
            GatewayServer server = new GatewayServer(config.apply(settings), new Metrics(), () -> true);
            server.start();
            return new GatewayUnderTest(kafka, settings, server);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() throws Exception {
        server.close();
        kafka.close();
    }
}
