package org.invllava.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;

/** A service that may not create its topics waits for them (Strimzi's topic operator), then fails clearly. */
class TopicSetupTest {
    @Test
    void waitsForTopicsSomeoneElseCreatesAndFailsClearlyWhenNobodyDoes() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Thread operator = new Thread(() -> {
                try {
                    Thread.sleep(3000);
                    admin.createTopics(List.of(new NewTopic("made-later", 1, (short) 1)))
                            .all()
                            .get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            operator.start();
            TopicSetup.awaitTopics(admin, List.of("made-later"), Duration.ofSeconds(60));
            assertTrue(System.nanoTime() - t0 > 2_500_000_000L, "returned once the topic existed, not before");
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> TopicSetup.awaitTopics(admin, List.of("never"), Duration.ofSeconds(3)));
            assertTrue(e.getMessage().contains("[never] still missing"), e.getMessage());
        }
    }
}
