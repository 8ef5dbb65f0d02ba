package org.invllava.gateway;

import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.invllava.observability.Tracing;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a gateway writes to Kafka (requests, cancels, departures, heartbeats) on one sender thread of its own,
 * in order, never on an event loop. While the broker does not answer ({@code brokerReachable}) nothing is handed to
 * the producer: a request fails as unavailable at once and a control message is dropped (the fusion LLMs give every
 * gateway a new grace period after an outage); otherwise a send waits at most {@link #MAX_BLOCK} for metadata.
 */
final class RequestPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestPublisher.class);
    private static final AvroCodec<ControlMessage> CONTROL = AvroCodec.of(ControlMessage.class);
    /** How long a starting gateway waits for the broker to know its topics. */
    static final Duration START_WAIT = Duration.ofMinutes(2);
    /** How long a send may wait for the producer's metadata or buffer before the request fails as unavailable. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(1);

    private final String instanceId;
    private final BooleanSupplier brokerReachable;
    private final KafkaProducer<byte[], byte[]> producer;
    /** The same producer, its sends traced (requests: a publish span each); control messages are not traced. */
    private final Producer<byte[], byte[]> traced;

    private final ExecutorService sender;
    private final AtomicBoolean heartbeatPending = new AtomicBoolean();

    RequestPublisher(GatewayConfig config, Tracing tracing, BooleanSupplier brokerReachable) {
        this.instanceId = config.instanceId();
        this.brokerReachable = brokerReachable;
        Map<String, Object> settings = config.kafka().producer();
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
        this.producer = new KafkaProducer<>(settings);
        this.traced = tracing.producer(producer);
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kafka-sender-" + instanceId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Fetches the metadata of {@code topics}, waiting up to {@link #START_WAIT} for a broker that is still starting. */
    void awaitMetadata(List<String> topics) {
        long until = System.nanoTime() + START_WAIT.toNanos();
        for (String topic : topics) {
            while (true) {
                try {
                    producer.partitionsFor(topic); // each try waits up to MAX_BLOCK
                    break;
                } catch (TimeoutException e) {
                    if (System.nanoTime() > until) {
                        throw e;
                    }
                    LOG.warn("waiting for the broker to know topic {}: {}", topic, e.getMessage());
                }
            }
        }
    }

    /**
     * Publishes one record of {@code answer}'s request in its {@code stage}'s context (the traced producer's publish
     * span is the stage's child); a failure, there or in the callback, ends the answer (and frees its slot) as
     * unavailable: the request may be retried.
     */
    void request(ProducerRecord<byte[], byte[]> r, Tracing.Stage stage, Answer answer) {
        stage.inject(r.headers());
        onSender(
                () -> {
                    if (answer.finished()) {
                        return; // failed already (its other record, the broker): nothing to publish
                    }
                    if (!brokerReachable.getAsBoolean()) {
                        answer.fail(ErrorCode.UNAVAILABLE.code(), "Kafka does not answer this gateway: retry shortly");
                        return;
                    }
                    try (Scope current = stage.makeCurrent()) {
                        traced.send(r, (m, e) -> {
                            if (e != null) {
                                failed(answer, e);
                            }
                        });
                    } catch (RuntimeException e) {
                        failed(answer, e);
                    }
                },
                () -> answer.fail(ErrorCode.UNAVAILABLE.code(), "the gateway is stopping: retry"));
    }

    private static void failed(Answer answer, Exception e) {
        LOG.error("cannot publish request {}: {}", answer.requestId(), e.toString());
        answer.fail(ErrorCode.UNAVAILABLE.code(), "the request could not be queued (Kafka unreachable): retry");
    }

    /** A heartbeat of this gateway, unless the last one is still waiting to be sent. */
    void heartbeat() {
        if (heartbeatPending.compareAndSet(false, true)) {
            control("", ControlAction.HEARTBEAT, "");
        }
    }

    /** Publishes a control message about {@code requestId} from this gateway (a heartbeat: empty id, keyed by gateway). */
    void control(String requestId, ControlAction action, String reason) {
        if (action != ControlAction.HEARTBEAT) {
            LOG.info("request {}: {} ({})", requestId, action.name().toLowerCase(Locale.ROOT), reason);
        }
        ControlMessage m = new ControlMessage(requestId, action, reason, System.currentTimeMillis(), instanceId);
        byte[] k = (requestId.isEmpty() ? instanceId : requestId).getBytes(StandardCharsets.UTF_8);
        onSender(
                () -> {
                    try {
                        if (!brokerReachable.getAsBoolean()) {
                            LOG.debug(
                                    "control message {} for {} dropped: the broker does not answer", action, requestId);
                            return;
                        }
                        producer.send(new ProducerRecord<>(Topics.CONTROL, k, CONTROL.encode(m)), (meta, e) -> {
                            if (e != null) {
                                LOG.warn("control message {} for {} not sent: {}", action, requestId, e.toString());
                            }
                        });
                    } catch (RuntimeException e) {
                        LOG.warn("control message {} for {} not sent: {}", action, requestId, e.toString());
                    } finally {
                        if (action == ControlAction.HEARTBEAT) {
                            heartbeatPending.set(false);
                        }
                    }
                },
                () -> {});
    }

    /** Runs {@code send} on the sender thread, or {@code refused} when it has stopped. */
    private void onSender(Runnable send, Runnable refused) {
        try {
            sender.execute(send);
        } catch (RejectedExecutionException e) {
            refused.run();
        }
    }

    /** Sends what was queued (each waiting at most {@link #MAX_BLOCK}), then closes the producer. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(MAX_BLOCK.toSeconds() + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
