package org.invllava.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.invllava.schemas.Topics;

/**
 * Client settings every service shares: where Kafka is, who this instance is, room for large records
 * (features and images exceed Kafka's 1 MB default on the producer, the topic and the consumer fetch), and the
 * connection's security properties ({@code security.protocol}, {@code ssl.*}), applied to every client.
 */
public record KafkaSettings(
        String bootstrapServers,
        String clientId,
        int maxMessageBytes,
        Map<String, String> security,
        int sessionTimeoutMs) {
    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrap servers");
        Objects.requireNonNull(clientId, "client id");
        if (maxMessageBytes < 1 << 20) {
            throw new IllegalArgumentException("max message bytes below 1 MiB: " + maxMessageBytes);
        }
        security = Map.copyOf(security);
        if (sessionTimeoutMs != AUTO_SESSION_TIMEOUT && sessionTimeoutMs < 1000) {
            throw new IllegalArgumentException("session timeout below 1 s: " + sessionTimeoutMs + " ms");
        }
    }

    public static KafkaSettings of(String bootstrapServers, String clientId) {
        return new KafkaSettings(bootstrapServers, clientId, Topics.MAX_MESSAGE_BYTES, Map.of(), AUTO_SESSION_TIMEOUT);
    }

    public KafkaSettings withSecurity(Map<String, String> properties) {
        return new KafkaSettings(bootstrapServers, clientId, maxMessageBytes, properties, sessionTimeoutMs);
    }

    /** {@code ms}, or {@link #AUTO_SESSION_TIMEOUT} for the broker's choice ({@link SessionTimeouts#resolve}). */
    public KafkaSettings withSessionTimeout(int ms) {
        return new KafkaSettings(bootstrapServers, clientId, maxMessageBytes, security, ms);
    }

    /** The consumer session timeout groups use: the one set, or {@link #SESSION_TIMEOUT_MS} while unresolved. */
    public int sessionTimeout() {
        return sessionTimeoutMs == AUTO_SESSION_TIMEOUT ? SESSION_TIMEOUT_MS : sessionTimeoutMs;
    }

    /** An admin client's settings. */
    public Map<String, Object> admin() {
        Map<String, Object> a = new HashMap<>(security);
        a.put("bootstrap.servers", bootstrapServers);
        a.put("client.id", clientId + "-admin");
        return a;
    }

    /** Idempotent, fully acknowledged, byte-array producer. */
    public Map<String, Object> producer() {
        Map<String, Object> p = new HashMap<>(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(64L << 20, 4L * maxMessageBytes));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /**
     * The session timeout when none was set or resolved: 6 s, the least a broker accepts by default
     * ({@code group.min.session.timeout.ms}; Kafka's client default is 45 s). Heartbeats go every third of it from the
     * client's own thread, and no consumer here blocks its poll loop on a generation, so a busy instance is not
     * mistaken for a dead one. {@link SessionTimeouts#resolve} goes lower where the broker allows it.
     */
    public static final int SESSION_TIMEOUT_MS = 6_000;
    /** {@link #sessionTimeoutMs} meaning "as short as the broker allows, at least {@link SessionTimeouts#PREFERRED_MS}". */
    public static final int AUTO_SESSION_TIMEOUT = 0;

    /** Byte-array consumer in {@code groupId}, manual commits, from the earliest offset of new groups. */
    public Map<String, Object> consumer(String groupId) {
        Map<String, Object> c = new HashMap<>(security);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer");
        if (groupId != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            // a rebalance moves only the partitions that change owner: the others' requests keep generating
            c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeout());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, sessionTimeout() / 3);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxMessageBytes);
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(52428800, maxMessageBytes));
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }
}
