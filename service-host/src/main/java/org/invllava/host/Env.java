package org.invllava.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.SessionTimeouts;

/**
 * Service configuration by environment variable name (what Kubernetes ConfigMaps set). Every variable a service
 * reads goes through here, so a missing or malformed one is one clear error naming it. In the Quarkus apps the
 * values come from Quarkus' configuration ({@link QuarkusEnv}), where each variable is
 * also a property ({@link #property}: {@code GATEWAY_MAX_TOKENS} is {@code gateway.max-tokens}), so
 * {@code application.properties}, {@code -D} system properties and profiles work as for any Quarkus setting.
 */
public final class Env {
    /** The Kafka client security settings and the environment variables that set them. */
    private static final Map<String, String> KAFKA_SECURITY = Map.of(
            "KAFKA_SECURITY_PROTOCOL", "security.protocol",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "ssl.truststore.location",
            "KAFKA_SSL_TRUSTSTORE_TYPE", "ssl.truststore.type",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD", "ssl.truststore.password",
            "KAFKA_SSL_KEYSTORE_LOCATION", "ssl.keystore.location",
            "KAFKA_SSL_KEYSTORE_TYPE", "ssl.keystore.type",
            "KAFKA_SSL_KEYSTORE_PASSWORD", "ssl.keystore.password",
            "KAFKA_SASL_MECHANISM", "sasl.mechanism",
            "KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config");

    private final Function<String, String> values;
    private final Set<String> read = new TreeSet<>();
    private final Map<String, String> defaults = new java.util.TreeMap<>();

    /** Values from a map of variables (tests, the process environment). */
    public Env(Map<String, String> vars) {
        this((Function<String, String>) vars::get);
    }

    /** Values by variable name from {@code values} (null when unset). */
    public Env(Function<String, String> values) {
        this.values = values;
    }

    /**
     * The configuration property a variable also is: lower case, the first {@code _} a {@code .}, the others
     * {@code -} ({@code KAFKA_BOOTSTRAP_SERVERS} is {@code kafka.bootstrap-servers}); MicroProfile Config finds the
     * variable itself when asked for the property.
     */
    public static String property(String variable) {
        String lower = variable.toLowerCase(java.util.Locale.ROOT);
        int first = lower.indexOf('_');
        return first < 0
                ? lower
                : lower.substring(0, first) + "." + lower.substring(first + 1).replace('_', '-');
    }

    /** Every variable name asked for so far, set or not: what this service can be configured with. */
    public Set<String> names() {
        return Set.copyOf(read);
    }

    /** The default each variable asked for so far falls back to, for those that have one (checked against the docs). */
    public Map<String, String> defaults() {
        return Map.copyOf(defaults);
    }

    public String string(String name, String fallback) {
        read.add(name);
        if (fallback != null) {
            defaults.putIfAbsent(name, fallback);
        }
        String v = values.apply(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public String require(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new IllegalArgumentException(name + " (" + property(name) + ") is required");
        }
        return v;
    }

    public Path path(String name) {
        return Path.of(require(name));
    }

    /** The path in {@code name}, or null when it is not set. */
    public Path optionalPath(String name) {
        String v = string(name, null);
        return v == null ? null : Path.of(v);
    }

    public int integer(String name, int fallback) {
        defaults.putIfAbsent(name, Integer.toString(fallback));
        String v = string(name, null);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " (" + property(name) + ") must be an integer, got " + v);
        }
    }

    public Duration millis(String name, Duration fallback) {
        return Duration.ofMillis(integer(name, (int) fallback.toMillis()));
    }

    /**
     * {@code KAFKA_BOOTSTRAP_SERVERS} with {@code clientId} naming this service in broker logs, and the connection's
     * security: {@code KAFKA_SECURITY_PROTOCOL} ({@code SSL} for TLS) and {@code KAFKA_SSL_TRUSTSTORE_*} /
     * {@code KAFKA_SSL_KEYSTORE_*} ({@code _LOCATION}, {@code _TYPE}, {@code _PASSWORD}) for mutual TLS,
     * {@code KAFKA_SASL_MECHANISM} and {@code KAFKA_SASL_JAAS_CONFIG} for SASL ({@code SASL_SSL}, e.g. SCRAM);
     * {@code KAFKA_SESSION_TIMEOUT_MS} (0: the broker's minimum, at least 3 s: {@link SessionTimeouts#resolve}).
     */
    public KafkaSettings kafka(String clientId) {
        Map<String, String> security = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(KAFKA_SECURITY).entrySet()) {
            String v = string(e.getKey(), null);
            if (v != null) {
                security.put(e.getValue(), v);
            }
        }
        return KafkaSettings.of(require("KAFKA_BOOTSTRAP_SERVERS"), string("KAFKA_CLIENT_ID", clientId))
                .withSecurity(security)
                .withSessionTimeout(integer("KAFKA_SESSION_TIMEOUT_MS", KafkaSettings.AUTO_SESSION_TIMEOUT));
    }
}
