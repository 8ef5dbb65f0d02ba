package org.invllava.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.BrokerProbe;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every partition of {@code vlm.tokens} from the end (no consumer group: each gateway replica sees
 * all chunks) and hands the chunks of the answers registered here to them: those sent from this instance, and
 * those a client resumed here after a reconnect.
 */
final class TokenRelay implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenRelay.class);
    private static final AvroCodec<TokenChunk> CODEC = AvroCodec.of(TokenChunk.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean ready;
    private final BrokerProbe broker = new BrokerProbe("token relay");

    TokenRelay(KafkaSettings kafka) {
        this.consumer = new KafkaConsumer<>(kafka.consumer(null));
    }

    /**
     * Relays {@code answer}'s chunks to it from now on. An answer of the same request already here (its client resumed
     * it on a new connection) ends with {@code resumed_elsewhere}: the newest connection wins, none waits in silence.
     */
    void register(Answer answer) {
        Answer before = answers.put(answer.requestId(), answer);
        if (before != null && before != answer) {
            before.fail(
                    org.invllava.schemas.ErrorCode.RESUMED_ELSEWHERE.code(),
                    "this answer was resumed on another " + "connection, which gets the rest");
        }
    }

    /** Unregisters {@code answer} (not a later answer of the same request, resumed here meanwhile). */
    void unregister(Answer answer) {
        answers.remove(answer.requestId(), answer);
    }

    /** Whether an answer other than {@code answer} is registered for its request (a client resumed it here). */
    boolean resumedElsewhere(Answer answer) {
        Answer now = answers.get(answer.requestId());
        return now != null && now != answer;
    }

    int active() {
        return answers.size();
    }

    /** The answers registered here for {@code model}. */
    List<Answer> answersOf(String model) {
        return answers.values().stream().filter(a -> a.model().equals(model)).toList();
    }

    boolean ready() {
        return ready;
    }

    /** Whether the broker answered this relay's last question (at most a second and a half old). */
    boolean brokerReachable() {
        return broker.reachable();
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.TOKENS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // resolve the end now, before any request is accepted
            ready = true;
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    relay(r);
                }
                broker.check(consumer, parts);
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            ready = false;
            consumer.close();
        }
    }

    private void relay(ConsumerRecord<byte[], byte[]> r) {
        TokenChunk chunk;
        try {
            chunk = CODEC.decode(r.value());
        } catch (PoisonRecordException e) {
            LOG.warn(
                    "skipping undecodable chunk at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        Answer answer = answers.get(chunk.getRequestId());
        if (answer != null && answer.deliver(chunk)) {
            answers.remove(chunk.getRequestId(), answer);
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
