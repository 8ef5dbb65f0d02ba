package org.invllava.host.config;

import io.smallrye.config.WithDefault;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.SessionTimeouts;

/**
 * How a service reaches Kafka ({@code kafka.*}, i.e. {@code KAFKA_*}): {@code KAFKA_BOOTSTRAP_SERVERS},
 * {@code KAFKA_CLIENT_ID} (default: the service's name, as broker logs show it), the connection's security:
 * {@code KAFKA_SECURITY_PROTOCOL} ({@code SSL} for TLS) with {@code KAFKA_SSL_TRUSTSTORE_*} and
 * {@code KAFKA_SSL_KEYSTORE_*} ({@code _LOCATION}, {@code _TYPE}, {@code _PASSWORD}) for mutual TLS,
 * {@code KAFKA_SASL_MECHANISM} and {@code KAFKA_SASL_JAAS_CONFIG} for SASL ({@code SASL_SSL}, e.g. SCRAM); and
 * {@code KAFKA_SESSION_TIMEOUT_MS} (0: the broker's minimum, at least 3 s: {@link SessionTimeouts#resolve}).
 */
public interface KafkaConnection {
    String bootstrapServers();

    Optional<String> clientId();

    @WithDefault("0")
    int sessionTimeoutMs();

    Optional<String> securityProtocol();

    Optional<String> sslTruststoreLocation();

    Optional<String> sslTruststoreType();

    Optional<String> sslTruststorePassword();

    Optional<String> sslKeystoreLocation();

    Optional<String> sslKeystoreType();

    Optional<String> sslKeystorePassword();

    Optional<String> saslMechanism();

    Optional<String> saslJaasConfig();

    /** The Kafka client settings, {@code service} naming the client unless {@code KAFKA_CLIENT_ID} does. */
    default KafkaSettings settings(String service) {
        Map<String, String> security = new LinkedHashMap<>();
        securityProtocol().ifPresent(v -> security.put("security.protocol", v));
        saslJaasConfig().ifPresent(v -> security.put("sasl.jaas.config", v));
        saslMechanism().ifPresent(v -> security.put("sasl.mechanism", v));
        sslKeystoreLocation().ifPresent(v -> security.put("ssl.keystore.location", v));
        sslKeystorePassword().ifPresent(v -> security.put("ssl.keystore.password", v));
        sslKeystoreType().ifPresent(v -> security.put("ssl.keystore.type", v));
        sslTruststoreLocation().ifPresent(v -> security.put("ssl.truststore.location", v));
        sslTruststorePassword().ifPresent(v -> security.put("ssl.truststore.password", v));
        sslTruststoreType().ifPresent(v -> security.put("ssl.truststore.type", v));
        return KafkaSettings.of(bootstrapServers(), clientId().orElse(service))
                .withSecurity(security)
                .withSessionTimeout(sessionTimeoutMs());
    }
}
