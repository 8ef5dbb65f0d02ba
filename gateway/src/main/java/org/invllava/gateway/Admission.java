package org.invllava.gateway;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.invllava.schemas.ErrorCode;

/**
 * Bounds the requests in flight on this gateway, in all and per API key (the per-key bound applies only when keys
 * are configured; anonymous callers share the gateway's bound). A refusal is a 429.
 */
final class Admission {
    private final int maxInFlight;
    private final int maxPerKey;
    private final Map<String, Integer> perKey = new HashMap<>(); // guarded by this
    private int inFlight;

    Admission(int maxInFlight, int maxPerKey) {
        this.maxInFlight = maxInFlight;
        this.maxPerKey = maxPerKey;
    }

    /** A slot for {@code keyId}; the returned release may be called any number of times, it frees the slot once. */
    synchronized Runnable acquire(String keyId) throws GatewayError {
        if (inFlight >= maxInFlight) {
            throw new GatewayError(
                    ErrorCode.RATE_LIMITED,
                    "the gateway is at its limit of " + maxInFlight + " requests in flight; retry later");
        }
        boolean keyed = !ApiKeys.ANONYMOUS.equals(keyId);
        if (keyed && perKey.getOrDefault(keyId, 0) >= maxPerKey) {
            throw new GatewayError(
                    ErrorCode.RATE_LIMITED,
                    "this API key already has " + maxPerKey + " requests in flight (its limit); retry when one ends");
        }
        inFlight++;
        if (keyed) {
            perKey.merge(keyId, 1, Integer::sum);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                release(keyId, keyed);
            }
        };
    }

    private synchronized void release(String keyId, boolean keyed) {
        inFlight--;
        if (keyed) {
            perKey.computeIfPresent(keyId, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
