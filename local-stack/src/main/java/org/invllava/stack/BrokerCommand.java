package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code broker}: an embedded KRaft broker on its own, with the stack's topics, for running the services separately. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = "Run a Kafka broker (embedded KRaft, one node) with the stack's topics until interrupted; prints "
                + "its address for KAFKA_BOOTSTRAP_SERVERS.")
final class BrokerCommand implements Callable<Integer> {
    @Option(
            names = "--dir",
            description = "where the broker keeps its log, across restarts (default: a temporary folder)")
    Path dir;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "the address it listens on (0.0.0.0: every interface)")
    String host;

    @Option(names = "--port", defaultValue = "9092", description = "its port (0: a free one)")
    int port;

    @Option(
            names = "--model",
            description = "create the topics of this served model too (inverse-llava always); repeatable")
    List<String> models = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        KraftBroker kafka =
                start(dir != null ? dir : Files.createTempDirectory("inverse-llava-broker"), host, port, models);
        System.out.println("Kafka broker is up (KRaft, one node, no authentication: anyone who reaches " + host + ":"
                + kafka.port()
                + " can read and write every topic).");
        System.out.println("  export KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers());
        System.out.println("Stop with Ctrl-C.");
        Lifecycle.runUntilShutdown(kafka);
        return 0;
    }

    /** Starts the broker in {@code dir} and creates the topics of the primary model and of {@code models}. */
    static KraftBroker start(Path dir, String host, int port, List<String> models) throws Exception {
        KraftBroker kafka = KraftBroker.start(dir, host, port, Topics.MAX_MESSAGE_BYTES);
        try {
            List<String> all = new ArrayList<>(List.of(ModelTopics.PRIMARY));
            models.stream().filter(m -> !all.contains(m)).forEach(all::add);
            TopicSetup.ensureDefaults(KafkaSettings.of(kafka.bootstrapServers(), "topic-setup"), (short) 1, all);
            return kafka;
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }
}
