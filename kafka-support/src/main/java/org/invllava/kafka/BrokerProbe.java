package org.invllava.kafka;

import java.time.Duration;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the brokers answer, as seen from one consumer's own thread, checked after its polls at most once per
 * {@link #INTERVAL} (a poll alone cannot tell an idle topic from an unreachable broker): out of reach after
 * {@link #FAILURES} list-offsets requests in a row got no answer within {@link #TIMEOUT} (or failed), so a dead broker
 * is noticed within about 3-5 s and a single slow answer on a busy machine is not an outage; one answer makes it
 * reachable again. Read from any thread. A gateway refuses new requests while its broker is out of reach; a fusion LLM
 * counts no client's or gateway's silence while it is (their messages cannot be written either).
 */
public final class BrokerProbe {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerProbe.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    static final int FAILURES = 3;
    /** Unanswered questions in a row that make a gap (less: one slow answer on a busy machine). */
    static final int GAP = 2;

    private final String who;
    private volatile boolean reachable = true;
    private volatile boolean doubted;
    private volatile long reachableSince = System.nanoTime();
    private long lastCheck = System.nanoTime() - INTERVAL.toNanos();
    private int failures;

    /** {@code who}: what follows the broker, for the log ("the token relay"). */
    public BrokerProbe(String who) {
        this.who = who;
    }

    /** On the consumer's thread, after a poll: asks the broker if the last question is {@link #INTERVAL} old. */
    public void check(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long now = System.nanoTime();
        if (now - lastCheck < INTERVAL.toNanos()) {
            return;
        }
        lastCheck = now;
        try {
            consumer.endOffsets(partitions, TIMEOUT);
            if (failures >= GAP) { // back after a gap too short to be declared an outage: a new start all the same
                reachableSince = System.nanoTime();
            }
            failures = 0;
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            throw e; // the consumer is being closed
        } catch (org.apache.kafka.common.KafkaException e) { // no answer in time, or none a client can use yet
            failures++;
        }
        doubted = failures > 0;
        update(failures < FAILURES);
    }

    private void update(boolean answers) {
        if (answers && !reachable) {
            reachableSince = System.nanoTime();
            reachable = true;
            LOG.info("{}: the broker answers again", who);
        } else if (!answers && reachable) {
            reachable = false;
            LOG.warn("{}: the broker does not answer", who);
        }
    }

    /** Whether the broker answered lately (see the class comment). */
    public boolean reachable() {
        return reachable;
    }

    /**
     * Whether the last question went unanswered: the broker may be out of reach, not yet declared so (that takes
     * {@link #FAILURES} in a row). A silence of others is not to be counted meanwhile.
     */
    public boolean doubted() {
        return doubted;
    }

    /**
     * Since when ({@link System#nanoTime}) the broker has answered without a gap: creation, its last return after an
     * outage, or its first answer after {@link #GAP} unanswered questions in a row.
     */
    public long reachableSince() {
        return reachableSince;
    }
}
