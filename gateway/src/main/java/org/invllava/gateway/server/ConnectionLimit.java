package org.invllava.gateway.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the connections the gateway holds, so that a client cannot use up the process' file descriptors (and with
 * them the embedded broker's) with connections it never finishes: at most {@code maxPerAddress} from one address, and
 * {@code max} in all. A connection must send its first request's headers within {@link #HEADER_TIMEOUT} (the idle
 * timeout, minutes, is for answers being streamed) or it is closed. When {@code max} is reached, a new connection
 * takes the place of the oldest one that has not sent a request yet, if any: 1,300 connections that only ever send a
 * partial header cannot keep a keyed client out. Quarkus' app gets the total cap from
 * {@code quarkus.http.limits.max-connections}; per address and for headers it is the ingress' job there.
 */
final class ConnectionLimit implements Handler<HttpConnection> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);
    /** How long a new connection has to deliver its first request's headers. */
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    /** Connections without a request yet, oldest first, with their header timer. */
    private final Map<HttpConnection, Long> waiting = new LinkedHashMap<>();

    ConnectionLimit(Vertx vertx, int max, int maxPerAddress) {
        this.vertx = vertx;
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void handle(HttpConnection connection) {
        String address = connection.remoteAddress() == null
                ? "?"
                : connection.remoteAddress().host();
        AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        int total = open.incrementAndGet();
        int fromAddress = mine.incrementAndGet();
        connection.closeHandler(v -> {
            open.decrementAndGet();
            if (mine.decrementAndGet() == 0) {
                perAddress.remove(address, mine);
            }
            requestArrived(connection);
        });
        if (fromAddress > maxPerAddress || total > max && !evictOldestWaiting()) {
            LOG.warn(
                    "closing a connection from {}: {} open on this gateway (limit {}), {} from that address (limit {})",
                    address,
                    total,
                    max,
                    fromAddress,
                    maxPerAddress);
            connection.close();
            return;
        }
        long timer = vertx.setTimer(HEADER_TIMEOUT.toMillis(), t -> {
            if (stillWaiting(connection)) {
                LOG.debug("closing a connection from {}: no request within {} ms", address, HEADER_TIMEOUT.toMillis());
                connection.close();
            }
        });
        synchronized (waiting) {
            waiting.put(connection, timer);
        }
    }

    /** A request's headers arrived on {@code connection}: it is no longer waiting (no-op after the first). */
    void requestArrived(HttpConnection connection) {
        Long timer;
        synchronized (waiting) {
            timer = waiting.remove(connection);
        }
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    private boolean stillWaiting(HttpConnection connection) {
        synchronized (waiting) {
            return waiting.remove(connection) != null;
        }
    }

    /** Closes the oldest connection without a request, if there is one. */
    private boolean evictOldestWaiting() {
        HttpConnection oldest;
        synchronized (waiting) {
            Iterator<HttpConnection> it = waiting.keySet().iterator();
            if (!it.hasNext()) {
                return false;
            }
            oldest = it.next();
            vertx.cancelTimer(waiting.get(oldest));
            it.remove();
        }
        oldest.close();
        return true;
    }

    int open() {
        return open.get();
    }
}
