package org.invllava.fusion.svc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.DeadLetters;
import org.invllava.kafka.Sends;
import org.invllava.kafka.TokenLookups;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.invllava.schemas.WorkItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code vlm.work} and {@code vlm.work.bulk} and hands each request to the instance's batching engine (one
 * forward pass per step for every running sequence; interactive requests first). The poll loop never blocks on a
 * generation: at most {@code maxInFlight} requests per work topic are unanswered (records a poll returns beyond that
 * wait, in offset order, with the topic's partitions paused), and it resumes when one ends, so the consumer keeps
 * polling and is never kicked out of its group. An offset is committed only
 * once every request at or before it has written its last chunk (at-least-once).
 */
public final class GenerationScheduler implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationScheduler.class);
    private static final AvroCodec<WorkItem> WORK = AvroCodec.of(WorkItem.class);

    private final FusionLlmConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final MultimodalModel model;
    private final BatchEngine engine;
    private final ExecutorService finisher;
    private final OffsetTracker offsets = new OffsetTracker();
    /**
     * Per work topic (interactive, bulk), polled and not yet dispatched (a poll may return more than the room left);
     * never committed past.
     */
    private final Map<String, java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>> polled =
            new java.util.LinkedHashMap<>();

    private final RequestWorker worker;
    private final TokenLookups lookups;
    /** Per partition assigned, the end of the log when it was: records below it may have been started elsewhere. */
    private final Map<TopicPartition, Long> takenOverBelow = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Requests answered here lately: a work record repeated for one of them (the join is at-least-once: after a
     * crash or a broker restart it may emit a request twice) is skipped instead of answered again.
     */
    private final Map<String, Boolean> answeredIds = RecentIds.map();
    /** Requests in flight, by id, with their partition (to hand them over when it is revoked). */
    private final Map<String, TopicPartition> inFlightIds = new java.util.concurrent.ConcurrentHashMap<>();

    private final DeadLetters deadLetters;
    private final ControlState control;
    private final Thread controlThread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean failed;

    public GenerationScheduler(FusionLlmConfig config, MultimodalModel model, Metrics metrics, Tracing tracing) {
        this.config = config;
        this.model = model;
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
        this.control = new ControlState(config.kafka(), config.orphanGrace(), metrics);
        this.controlThread = new Thread(control, "control-follower");
        this.controlThread.setDaemon(true);
        this.lookups = new TokenLookups(config.kafka());
        this.worker = new RequestWorker(
                model, engine, producer, control, finisher, this::stopAfterWriteFailure, metrics, tracing, lookups);
        metrics.gauge(
                "fusion_active_requests",
                "Requests accepted and not yet answered (batch + queue)",
                offsets::inFlightCount);
        this.deadLetters = new DeadLetters(producer, "fusion-llm-svc");
        polled.put(config.topics().work(), new java.util.ArrayDeque<>());
        polled.put(config.topics().bulkWork(), new java.util.ArrayDeque<>());
    }

    @Override
    public void run() {
        controlThread.start();
        engine.start();
        warmUp();
        try {
            consumer.subscribe(List.copyOf(polled.keySet()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    handOver(partitions);
                    commit();
                    forget(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // out of the group (missed heartbeats): already someone else's, a commit would fail
                    LOG.warn("partitions {} lost without a revoke; their requests are handed over", partitions);
                    handOver(partitions);
                    forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        takenOverBelow.putAll(consumer.endOffsets(partitions));
                    }
                }
            });
            while (running.get()) {
                consumer.poll(Duration.ofMillis(100))
                        .forEach(r -> polled.get(r.topic()).add(r));
                polled.forEach(this::dispatchWithinLimit);
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

    /**
     * Dispatches {@code topic}'s polled records while fewer than {@code maxInFlight} of its requests are unanswered, and
     * pauses its partitions while that limit holds records back (each work topic has the limit: a bulk job never keeps
     * interactive work unread; the engine serves interactive requests first).
     */
    private void dispatchWithinLimit(String topic, java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> queue) {
        while (!queue.isEmpty() && offsets.inFlightCount(topic) < config.maxInFlight()) {
            dispatch(queue.poll());
        }
        List<TopicPartition> parts = consumer.assignment().stream()
                .filter(tp -> tp.topic().equals(topic))
                .toList();
        if (!queue.isEmpty() || offsets.inFlightCount(topic) >= config.maxInFlight()) {
            consumer.pause(parts);
        } else {
            consumer.resume(parts);
        }
    }

    private boolean takenOver(ConsumerRecord<byte[], byte[]> record) {
        return record.offset()
                < takenOverBelow.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        offsets.started(tp, record.offset());
        WorkItem work;
        try {
            work = WORK.decode(record.value());
        } catch (PoisonRecordException e) {
            deadLetters.publish(record, e.getMessage());
            endUnreadable(record, e.getMessage());
            offsets.finished(tp, record.offset());
            return;
        }
        String id = work.getPrompt().getRequestId();
        if (answeredIds.containsKey(id) || inFlightIds.containsKey(id)) {
            // a repeat: the first record of the request is answered, or at a lower offset and not yet committed
            LOG.info("request {} repeated at {}@{}: skipped", id, tp, record.offset());
            offsets.finished(tp, record.offset());
            return;
        }
        inFlightIds.put(id, tp);
        worker.start(work, Tracing.extract(record.headers()), takenOver(record), () -> {
            answeredIds.put(id, true);
            inFlightIds.remove(id, tp);
            offsets.finished(tp, record.offset());
        });
    }

    /** A work record keyed by a request id that cannot be read ends that request with an error chunk. */
    private void endUnreadable(ConsumerRecord<byte[], byte[]> record, String reason) {
        if (record.key() == null) {
            return;
        }
        String id = new String(record.key(), StandardCharsets.UTF_8);
        TokenChunk chunk = Paired.failed(
                        id, "", ErrorCode.INTERNAL.code(), "the request's work record could not be read: " + reason)
                .chunk();
        Sends.awaitAll(
                List.of(producer.send(new ProducerRecord<>(
                        Topics.TOKENS,
                        record.key(),
                        AvroCodec.of(TokenChunk.class).encode(chunk)))),
                "error chunk of " + id);
    }

    /**
     * Generates two tokens of a short text prompt before joining the work group: the first steps of a fresh process
     * are slow (native libraries, JIT), and a restarted instance would otherwise pay that on the requests it takes
     * over, in the client's gap.
     */
    private void warmUp() {
        long t0 = System.nanoTime();
        try {
            int[] prompt = model.chat().question("hello", false);
            engine.submit(
                            "warm-up",
                            prompt,
                            List.of(),
                            org.invllava.runtime.generate.SamplingParams.greedy(2),
                            (i, t, d) -> {})
                    .get(2, TimeUnit.MINUTES);
            LOG.info("warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception e) {
            LOG.warn("warm-up failed ({}); joining the work group anyway", e.toString());
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        offsets.revoked(partitions);
        partitions.forEach(takenOverBelow::remove);
        polled.values()
                .forEach(q -> q.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition()))));
    }

    /**
     * Before partitions move to another instance (a rebalance, a scale-up, a shutdown): stops generating their
     * requests, so that the new owner continues each after its last chunk written here instead of both generating it,
     * and flushes those chunks, so that the new owner reads them all.
     */
    private void handOver(Collection<TopicPartition> partitions) {
        List<String> ids = inFlightIds.entrySet().stream()
                .filter(e -> partitions.contains(e.getValue()))
                .map(Map.Entry::getKey)
                .toList();
        if (ids.isEmpty()) {
            return;
        }
        try {
            int left = worker.handOver(ids, Duration.ofSeconds(5));
            if (left > 0) {
                LOG.warn("{} of {} requests handed over were still generating after 5 s", left, ids.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ids.forEach(inFlightIds::remove);
        producer.flush();
        LOG.info("handed over {} requests of partitions {}", ids.size(), partitions);
    }

    /**
     * Commits what is ready. During a rebalance the commit is refused; it is retried on the next loop, or, if the
     * partitions went elsewhere, their new owner finds the requests already answered ({@link TokenLookups}).
     */
    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
        if (ready.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(ready);
            offsets.markCommitted(ready);
        } catch (RebalanceInProgressException | CommitFailedException e) {
            LOG.info("commit of {} deferred: {}", ready, e.toString());
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
            LOG.error(
                    "a request's chunks could not be written to {}: this instance stops taking work, another "
                            + "will redo its unfinished requests",
                    Topics.TOKENS);
            consumer.wakeup();
        }
    }

    /** Requests taken from {@code vlm.work} and not yet answered (never above {@code maxInFlight} once it pauses). */
    int inFlight() {
        return offsets.inFlightCount();
    }

    /** What this instance knows of cancels, departed clients and silent gateways (tests wait on it). */
    ControlState control() {
        return control;
    }

    /** Whether it stopped because chunks could not be written. */
    boolean failed() {
        return failed;
    }

    /**
     * Stops taking work and waits for the poll loop ({@code loop}, the thread running {@link #run}) to leave the group:
     * closing its consumer hands this instance's answers over (each stops within a decode step, its chunks flushed,
     * what finished committed) while the engine and the producer still run. Then lets the engine finish anything left
     * for up to 30 s and closes the clients. (The loop used to be left running: its hand-over raced the producer's
     * close.)
     */
    public void close(Thread loop) {
        running.set(false);
        consumer.wakeup();
        try {
            loop.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close(Duration.ofSeconds(30));
        finisher.shutdown();
        try {
            finisher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.close();
        lookups.close();
        producer.close(Duration.ofSeconds(5));
    }

    /** Abrupt stop for crash tests: no graceful drain, nothing more committed. */
    void kill() {
        running.set(false);
        engine.halt();
        finisher.shutdownNow();
        consumer.wakeup();
        control.close();
        lookups.close();
        producer.close(Duration.ZERO);
    }
}
