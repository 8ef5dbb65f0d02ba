package org.invllava.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Service configuration from environment variables (what Kubernetes ConfigMaps set). Every variable a service
 * reads goes through here, so a missing or malformed one is one clear error naming it.
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
            "KAFKA_SSL_KEYSTORE_PASSWORD", "ssl.keystore.password");

    private final Map<String, String> vars;
    private final Set<String> read = new TreeSet<>();
    private final Map<String, String> defaults = new java.util.TreeMap<>();

    public Env(Map<String, String> vars) {
        this.vars = vars;
    }

    public static Env system() {
        return new Env(System.getenv());
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
        String v = vars.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public String require(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new IllegalArgumentException("environment variable " + name + " is required");
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
            throw new IllegalArgumentException("environment variable " + name + " must be an integer, got " + v);
        }
    }

    public Duration millis(String name, Duration fallback) {
        return Duration.ofMillis(integer(name, (int) fallback.toMillis()));
    }

    /**
     * {@code KAFKA_BOOTSTRAP_SERVERS} with {@code clientId} naming this service in broker logs, and the connection's
     * security: {@code KAFKA_SECURITY_PROTOCOL} ({@code SSL} for TLS) and {@code KAFKA_SSL_TRUSTSTORE_*} /
     * {@code KAFKA_SSL_KEYSTORE_*} ({@code _LOCATION}, {@code _TYPE}, {@code _PASSWORD}) for mutual TLS.
     */
    public KafkaSettings kafka(String clientId) {
        Map<String, String> security = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(KAFKA_SECURITY).entrySet()) {
            String v = string(e.getKey(), null);
            if (v != null) {
                security.put(e.getValue(), v);
            }
        }
        return KafkaSettings.of(require("KAFKA_BOOTSTRAP_SERVERS"), string("KAFKA_CLIENT_ID", clientId)).withSecurity(security);
    }
}
