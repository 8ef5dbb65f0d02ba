package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.kafka.local.KraftBroker;
import org.invllava.observability.Metrics;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway's silence while the broker is down is not its death: a broker outage longer than the grace period
 * (heartbeats cannot be written, the fusion LLM reads nothing) orphans no answer, and once the broker is back the
 * gateway gets the whole grace period anew; a gateway that stays silent after that is still found out.
 */
class ControlStateTest {
    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void aBrokerOutageLongerThanTheGracePeriodOrphansNothing() throws Exception {
        KraftBroker broker = KraftBroker.start(dir, "127.0.0.1", 0, Topics.MAX_MESSAGE_BYTES);
        String bootstrap = broker.bootstrapServers();
        int port = broker.port();
        TopicSetup.ensureDefaults(bootstrap, (short) 1);
        KafkaSettings kafka = KafkaSettings.of(bootstrap, "control-test");
        ControlState control = new ControlState(kafka, GRACE, new Metrics());
        Thread follower = new Thread(control, "control-follower");
        follower.start();
        try {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producer())) {
                ControlMessage beat =
                        new ControlMessage("", ControlAction.HEARTBEAT, "", System.currentTimeMillis(), "gw-1");
                producer.send(new ProducerRecord<>(
                                Topics.CONTROL,
                                "gw-1".getBytes(StandardCharsets.UTF_8),
                                AvroCodec.of(ControlMessage.class).encode(beat)))
                        .get();
            }
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!control.heardFrom("gw-1")) {
                assertTrue(System.nanoTime() < until, "the heartbeat was not read within 30 s");
                Thread.sleep(20);
            }
            assertNull(control.orphaned("r-1", "gw-1"));

            broker.close(); // down for twice the grace period: no heartbeat can be written, none is read
            Thread.sleep(2 * GRACE.toMillis());
            assertNull(control.orphaned("r-1", "gw-1"), "orphaned while the broker is down");
            broker = KraftBroker.start(dir, "127.0.0.1", port, Topics.MAX_MESSAGE_BYTES);
            long back = System.nanoTime();
            while (System.nanoTime() - back < GRACE.toNanos() / 2) { // the first half of the new grace period
                assertNull(control.orphaned("r-1", "gw-1"), "orphaned right after the broker came back");
                Thread.sleep(50);
            }
            until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String why;
            while ((why = control.orphaned("r-1", "gw-1")) == null) { // still silent: a dead gateway after all
                assertTrue(System.nanoTime() < until, "a gateway silent after the outage was never found out");
                Thread.sleep(50);
            }
            assertNotNull(why);
        } finally {
            control.close();
            follower.join(10_000);
            broker.close();
        }
    }
}
