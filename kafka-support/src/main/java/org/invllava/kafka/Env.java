package org.invllava.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Service configuration from environment variables (what Kubernetes ConfigMaps set). Every variable a service
 * reads goes through here, so a missing or malformed one is one clear error naming it.
 */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = vars;
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public String string(String name, String fallback) {
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

    public int integer(String name, int fallback) {
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

    /** {@code KAFKA_BOOTSTRAP_SERVERS} with {@code clientId} naming this service in broker logs. */
    public KafkaSettings kafka(String clientId) {
        return KafkaSettings.of(require("KAFKA_BOOTSTRAP_SERVERS"), string("KAFKA_CLIENT_ID", clientId));
    }
}
