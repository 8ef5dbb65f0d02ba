package org.invllava.fusion.svc;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.invllava.kafka.SessionTimeouts;
import org.invllava.kafka.TopicSetup;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.MultimodalModel;

/** The fusion LLM service: the join topology (Kafka Streams) feeding the generation scheduler. */
public final class FusionLlmService implements AutoCloseable {
    private final KafkaStreams streams;
    private final GenerationScheduler scheduler;
    private final Thread schedulerThread;

    /** Without tracing (tests, benches). */
    public FusionLlmService(FusionLlmConfig config, MultimodalModel model, Metrics metrics) {
        this(config, model, metrics, Tracing.off());
    }

    public FusionLlmService(FusionLlmConfig config, MultimodalModel model, Metrics metrics, Tracing tracing) {
        config = config.withKafka(SessionTimeouts.resolve(config.kafka()));
        Properties p = streamsProperties(config);
        Metrics meters = metrics.tagged("model", config.topics().model());
        this.streams = new KafkaStreams(
                JoinTopology.build(config.joinWindow(), config.topics(), partitionCount(config), meters), p);
        this.scheduler = new GenerationScheduler(config, model, meters, tracing);
        this.schedulerThread = new Thread(scheduler, "generation-scheduler");
    }

    /** The prompts and features topics' partition count, looked up once, when the join's first record needs it. */
    private static IntSupplier partitionCount(FusionLlmConfig config) {
        AtomicInteger count = new AtomicInteger();
        return () -> count.updateAndGet(n -> n > 0
                ? n
                : TopicSetup.samePartitionCount(
                        config.kafka(),
                        config.topics().prompts(),
                        config.topics().features()));
    }

    /** The join's Kafka Streams settings (its changelog's retention is the pairing store's: {@link JoinTopology}). */
    static Properties streamsProperties(FusionLlmConfig config) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.putAll(config.kafka().security());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        p.put(StreamsConfig.producerPrefix("max.request.size"), config.kafka().maxMessageBytes());
        p.put(
                StreamsConfig.producerPrefix("linger.ms"),
                0); // Streams defaults to 100 ms: straight into first-token latency
        p.put(
                StreamsConfig.consumerPrefix("max.partition.fetch.bytes"),
                config.kafka().maxMessageBytes());
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), config.kafka().sessionTimeout());
        p.put(
                StreamsConfig.consumerPrefix("heartbeat.interval.ms"),
                config.kafka().sessionTimeout() / 3);
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), config.kafka().maxMessageBytes());
        return p;
    }

    public void start() {
        streams.start();
        schedulerThread.start();
    }

    /** False once it is broken for good (its chunks could not be written, or its Streams failed): restart it. */
    /**
     * Alive unless it must be restarted: its chunks could not be written, the join's Streams thread ended in ERROR,
     * or the scheduler's thread died (any of them leaves the instance unready for good).
     */
    public boolean isLive() {
        return !scheduler.failed() && streams.state() != KafkaStreams.State.ERROR && schedulerThread.isAlive();
    }

    public boolean isRunning() {
        return streams.state().isRunningOrRebalancing() && schedulerThread.isAlive();
    }

    GenerationScheduler scheduler() {
        return scheduler;
    }

    /** Whether the scheduler's poll loop has ended (after {@link #close}, always). */
    boolean schedulerStopped() {
        return !schedulerThread.isAlive();
    }

    /** Crash simulation (tests, chaos drills): stops generating at once and commits nothing more. */
    public void kill() {
        scheduler.kill();
        streams.close(java.time.Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        scheduler.close(schedulerThread);
        streams.close(java.time.Duration.ofSeconds(10));
    }
}
