package org.invllava.kafka;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses how soon a dead instance's partitions move on: the consumer session timeout. Shorter means a crashed
 * instance's requests are taken over sooner, but a broker refuses a timeout below its
 * {@code group.min.session.timeout.ms} (6 s by default) and the consumer then fails to join. So, unless one is set,
 * the broker is asked for its minimum and the timeout is that, but never below {@link #PREFERRED_MS}.
 */
public final class SessionTimeouts {
    private static final Logger LOG = LoggerFactory.getLogger(SessionTimeouts.class);
    /** The shortest timeout chosen on our own: heartbeats every second, a dead instance noticed within 3 s. */
    public static final int PREFERRED_MS = 3_000;

    static final String BROKER_MINIMUM = "group.min.session.timeout.ms";

    private SessionTimeouts() {}

    /**
     * {@code kafka} with a concrete session timeout: unchanged when one is set; otherwise the broker's minimum, at least
     * {@link #PREFERRED_MS}, or {@link KafkaSettings#SESSION_TIMEOUT_MS} when the broker cannot be asked (no
     * {@code DescribeConfigs} permission, unreachable within 5 s).
     */
    public static KafkaSettings resolve(KafkaSettings kafka) {
        if (kafka.sessionTimeoutMs() != KafkaSettings.AUTO_SESSION_TIMEOUT) {
            return kafka;
        }
        Admin admin = Admin.create(kafka.admin());
        try {
            Node node = admin.describeCluster()
                    .nodes()
                    .get(5, TimeUnit.SECONDS)
                    .iterator()
                    .next();
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node.idString());
            Config config = admin.describeConfigs(List.of(broker))
                    .all()
                    .get(5, TimeUnit.SECONDS)
                    .get(broker);
            ConfigEntry minimum = config.get(BROKER_MINIMUM);
            int ms = Math.max(PREFERRED_MS, Integer.parseInt(minimum.value()));
            LOG.info("consumer session timeout {} ms (the broker's {} is {})", ms, BROKER_MINIMUM, minimum.value());
            return kafka.withSessionTimeout(ms);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn(
                    "cannot read the broker's {} ({}); consumer session timeout {} ms (set KAFKA_SESSION_TIMEOUT_MS "
                            + "to choose)",
                    BROKER_MINIMUM,
                    e.toString(),
                    KafkaSettings.SESSION_TIMEOUT_MS);
            return kafka.withSessionTimeout(KafkaSettings.SESSION_TIMEOUT_MS);
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
