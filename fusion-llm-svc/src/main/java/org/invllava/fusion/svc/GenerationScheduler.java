package org.invllava.fusion.svc;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.DeadLetters;
import org.invllava.kafka.TraceContext;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.Topics;
import org.invllava.schemas.WorkItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code vlm.work} and hands each request to the instance's batching engine (one forward pass per step for
 * every running sequence). The poll loop never blocks on a generation: at most {@code maxInFlight} requests are
 * unanswered (records a poll returns beyond that wait, in offset order, with the partitions paused), and it resumes
 * when one ends, so the consumer keeps polling and is never kicked out of its group. An offset is committed only
 * once every request at or before it has written its last chunk (at-least-once).
 */
public final class GenerationScheduler implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationScheduler.class);
    private static final AvroCodec<WorkItem> WORK = AvroCodec.of(WorkItem.class);

    private final FusionLlmConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final BatchEngine engine;
    private final ExecutorService finisher;
    private final OffsetTracker offsets = new OffsetTracker();
    /** Polled, not yet dispatched (a poll may return more than the room left); never committed past. */
    private final java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> polled = new java.util.ArrayDeque<>();
    private final RequestWorker worker;
    private final DeadLetters deadLetters;
    private final Cancellations cancellations;
    private final Thread cancellationThread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean failed;

    public GenerationScheduler(FusionLlmConfig config, MultimodalModel model, Metrics metrics, Tracing tracing) {
        this.config = config;
        Map<String, Object> c = config.kafka().consumer(config.workGroupId());
        c.put("max.poll.records", config.maxInFlight());
        this.consumer = new KafkaConsumer<>(c);
        this.producer = new KafkaProducer<>(config.kafka().producer());
        EngineMetrics engineMetrics = new EngineMetrics(metrics);
        this.engine = new BatchEngine(model, config.engine(), engineMetrics);
        engineMetrics.watch(engine, metrics);
        this.finisher = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "chunk-finisher");
            t.setDaemon(true);
            return t;
        });
        this.cancellations = new Cancellations(config.kafka(), metrics);
        this.cancellationThread = new Thread(cancellations, "control-follower");
        this.cancellationThread.setDaemon(true);
        this.worker = new RequestWorker(model, engine, producer, cancellations::cancelledAt, finisher,
                this::stopAfterWriteFailure, metrics, tracing);
        metrics.gauge("fusion_active_requests", "Requests accepted and not yet answered (batch + queue)", offsets::inFlightCount);
        this.deadLetters = new DeadLetters(producer, "fusion-llm-svc");
    }

    @Override
    public void run() {
        cancellationThread.start();
        engine.start();
        try {
            consumer.subscribe(List.of(config.topics().work()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit();
                    offsets.revoked(partitions);
                    polled.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            while (running.get()) {
                consumer.poll(Duration.ofMillis(100)).forEach(polled::add);
                while (!polled.isEmpty() && offsets.inFlightCount() < config.maxInFlight()) {
                    dispatch(polled.poll());
                }
                if (!polled.isEmpty() || offsets.inFlightCount() >= config.maxInFlight()) {
                    consumer.pause(consumer.assignment());
                } else {
                    consumer.resume(consumer.paused());
                }
                commit();
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        offsets.started(tp, record.offset());
        WorkItem work;
        try {
            work = WORK.decode(record.value());
        } catch (PoisonRecordException e) {
            deadLetters.publish(record, e.getMessage());
            offsets.finished(tp, record.offset());
            return;
        }
        worker.start(work, TraceContext.from(record.headers()), () -> offsets.finished(tp, record.offset()));
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
        if (!ready.isEmpty()) {
            consumer.commitSync(ready);
            offsets.markCommitted(ready);
        }
    }

    /**
     * A request's chunks could not be written (Kafka unreachable past the producer's delivery timeout, or a refusal):
     * its offset can never be committed, so rather than stall with commits stopped, this instance stops taking
     * work; its group leaves, its partitions move to another instance, which redoes every uncommitted request, and
     * it reports not ready and not alive ({@link FusionLlmService#isLive}), to be restarted.
     */
    void stopAfterWriteFailure() {
        failed = true;
        if (running.compareAndSet(true, false)) {
            LOG.error("a request's chunks could not be written to {}: this instance stops taking work, another "
                    + "will redo its unfinished requests", Topics.TOKENS);
            consumer.wakeup();
        }
    }

    /** Requests taken from {@code vlm.work} and not yet answered (never above {@code maxInFlight} once it pauses). */
    int inFlight() {
        return offsets.inFlightCount();
    }

    /** Whether it stopped because chunks could not be written. */
    boolean failed() {
        return failed;
    }

    /** Stops taking work, lets the engine finish what it holds for up to 30 s, then closes the clients. */
    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        engine.close(Duration.ofSeconds(30));
        finisher.shutdown();
        try {
            finisher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cancellations.close();
        producer.close(Duration.ofSeconds(5));
    }

    /** Abrupt stop for crash tests: no graceful drain, nothing more committed. */
    void kill() {
        running.set(false);
        engine.halt();
        finisher.shutdownNow();
        consumer.wakeup();
        cancellations.close();
        producer.close(Duration.ZERO);
    }
}
