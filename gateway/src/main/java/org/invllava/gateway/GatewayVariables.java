package org.invllava.gateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment variables that configure a gateway app to the given limits, connections and access: how
 * {@code serve} and the tests start the packaged gateway ({@link GatewayStartup} reads them back; a test checks the
 * round trip).
 */
public final class GatewayVariables {
    private GatewayVariables() {}

    public static Map<String, String> of(GatewayConfig.Limits l) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("GATEWAY_MAX_REQUEST_BYTES", Integer.toString(l.maxRequestBytes()));
        v.put("GATEWAY_MAX_IMAGE_BYTES", Integer.toString(l.maxImageBytes()));
        v.put("GATEWAY_MAX_IMAGE_PIXELS", Long.toString(l.maxImagePixels()));
        v.put("GATEWAY_MAX_PROMPT_CHARS", Integer.toString(l.maxPromptChars()));
        v.put("GATEWAY_MAX_TOKENS", Integer.toString(l.maxTokens()));
        v.put("GATEWAY_DEFAULT_MAX_TOKENS", Integer.toString(l.defaultMaxTokens()));
        v.put("GATEWAY_DEADLINE_MS", millis(l.deadline()));
        v.put("GATEWAY_MAX_IN_FLIGHT", Integer.toString(l.maxInFlight()));
        return v;
    }

    public static Map<String, String> of(GatewayConfig.Connections c) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("GATEWAY_MAX_CONNECTIONS", Integer.toString(c.maxConnections()));
        v.put("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", Integer.toString(c.maxPerAddress()));
        v.put("GATEWAY_IDLE_TIMEOUT_MS", millis(c.idleTimeout()));
        v.put("GATEWAY_WS_FIRST_MESSAGE_TIMEOUT_MS", millis(c.firstMessageTimeout()));
        v.put("GATEWAY_ALLOWED_ORIGINS", String.join(",", c.allowedOrigins()));
        v.put("GATEWAY_ALLOWED_HOSTS", String.join(",", c.allowedHosts()));
        return v;
    }

    /** Access by these API keys (none: open), as {@link GatewayConfig.Access} holds them hashed. */
    public static Map<String, String> access(
            List<String> keys, int maxConcurrentPerKey, List<String> imageUrlAllowList, Duration fetchTimeout) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("GATEWAY_API_KEYS", String.join(",", keys));
        v.put("GATEWAY_KEY_MAX_CONCURRENT", Integer.toString(maxConcurrentPerKey));
        v.put("GATEWAY_IMAGE_URL_ALLOWLIST", String.join(",", imageUrlAllowList));
        v.put("GATEWAY_IMAGE_FETCH_TIMEOUT_MS", millis(fetchTimeout));
        return v;
    }

    private static String millis(Duration d) {
        return Long.toString(d.toMillis());
    }
}
