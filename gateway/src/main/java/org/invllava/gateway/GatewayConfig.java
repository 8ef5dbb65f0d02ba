package org.invllava.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.ModelTopics;

/**
 * The gateway's identity, limits and access rules. {@code instanceId} is written into every request's
 * {@code replyTo}, so each replica relays only its own clients' chunks; {@code models} are what
 * {@code /v1/models} lists and {@code model} in a request may name (the first when it names none);
 * {@code capacityPoll}: how often to ask the broker which models have running services ({@link ModelCapacity}; zero:
 * never, where the services' readiness is known otherwise, as in {@code serve}).
 */
public record GatewayConfig(
        KafkaSettings kafka,
        String instanceId,
        String host,
        int port,
        ServedModels models,
        Limits limits,
        Access access,
        Connections connections,
        Duration capacityPoll) {
    public GatewayConfig {
        if (capacityPoll.isNegative()) {
            throw new IllegalArgumentException("GATEWAY_CAPACITY_POLL_MS must be at least 0 (0: off)");
        }
        if (connections.idleTimeout().compareTo(limits.deadline()) <= 0) {
            throw new IllegalArgumentException(
                    "GATEWAY_IDLE_TIMEOUT_MS (" + connections.idleTimeout().toMillis()
                            + ") must exceed GATEWAY_DEADLINE_MS ("
                            + limits.deadline().toMillis() + "): an answer may be silent "
                            + "until its first token");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (models == null) {
            throw new IllegalArgumentException("the served models are required");
        }
    }

    /** The stack's default model id (what {@code /v1/models} lists unless configured). */
    public static final String DEFAULT_MODEL_ID = ModelTopics.PRIMARY;

    /**
     * Request limits: whole request body or WebSocket message, decoded image bytes, decoded pixels (checked from the
     * header, before decoding), characters of text over all messages, {@code max_tokens} (and its default), the
     * deadline (the default and the largest a request may ask for), requests in flight on this gateway.
     */
    public record Limits(
            int maxRequestBytes,
            int maxImageBytes,
            long maxImagePixels,
            int maxPromptChars,
            int maxTokens,
            int defaultMaxTokens,
            Duration deadline,
            int maxInFlight) {
        public Limits {
            if (maxImageBytes < 1
                    || maxImagePixels < 1
                    || maxPromptChars < 1
                    || maxTokens < 1
                    || defaultMaxTokens < 1
                    || maxInFlight < 1) {
                throw new IllegalArgumentException("gateway limits must be positive");
            }
            if (defaultMaxTokens > maxTokens) {
                throw new IllegalArgumentException(
                        "the default max_tokens (" + defaultMaxTokens + ") exceeds the limit " + maxTokens);
            }
            if (maxRequestBytes < maxImageBytes) {
                throw new IllegalArgumentException("max request bytes must hold the largest image");
            }
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("the deadline must be positive");
            }
        }
    }

    /**
     * What a client's connections may hold: connections open on this gateway and from one address (more are closed at
     * once, before anything is read), how long a connection may stay silent either way (it must exceed the deadline: a
     * non-streamed answer writes nothing until it is complete), how long a WebSocket may wait for its request, the
     * page origins besides the gateway's own that browsers may call it from, and the host names it answers for (none:
     * any).
     */
    public record Connections(
            int maxConnections,
            int maxPerAddress,
            Duration idleTimeout,
            Duration firstMessageTimeout,
            List<String> allowedOrigins,
            List<String> allowedHosts) {
        public Connections {
            allowedOrigins = List.copyOf(allowedOrigins);
            allowedHosts = List.copyOf(allowedHosts);
            if (maxConnections < 1 || maxPerAddress < 1 || maxPerAddress > maxConnections) {
                throw new IllegalArgumentException("connection limits must be positive, per address at most the total");
            }
            if (firstMessageTimeout.isNegative() || firstMessageTimeout.isZero()) {
                throw new IllegalArgumentException("the WebSocket first-message timeout must be positive");
            }
        }

        /** The same, answering only for {@code hosts} (a gateway on the loopback: its names for it). */
        public Connections withAllowedHosts(List<String> hosts) {
            return new Connections(
                    maxConnections, maxPerAddress, idleTimeout, firstMessageTimeout, allowedOrigins, hosts);
        }
    }

    /**
     * Who may call and what the gateway fetches: API keys (none: open), concurrent requests per key, and URL
     * prefixes from which {@code image_url} http(s) images may be fetched (none: only data URLs).
     */
    public record Access(ApiKeys keys, int maxConcurrentPerKey, List<String> imageUrlAllowList, Duration fetchTimeout) {
        public Access {
            if (maxConcurrentPerKey < 1) {
                throw new IllegalArgumentException("the per-key concurrency limit must be positive");
            }
            imageUrlAllowList = imageUrlAllowList.stream().map(Access::prefix).toList();
        }

        /** An allow-list entry: an absolute http(s) URL; a bare origin gets a {@code /}, so no other host can match. */
        private static String prefix(String entry) {
            URI uri;
            try {
                uri = URI.create(entry.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image URL allow-list entry is not a URL: " + entry);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("image URL allow-list entry must be an http(s) URL: " + entry);
            }
            String s = uri.toString();
            return uri.getRawPath() == null || uri.getRawPath().isEmpty() ? s + "/" : s;
        }
    }
}
