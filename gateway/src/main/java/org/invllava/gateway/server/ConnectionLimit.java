package org.invllava.gateway.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a new connection at once, before anything is read from it, when the gateway already holds {@code max}
 * connections or {@code maxPerAddress} from the same address: a client cannot use up the process' file descriptors
 * (and with them the embedded broker's) with connections it never finishes. Quarkus' app gets the total cap from
 * {@code quarkus.http.limits.max-connections}; per address it is the ingress' job there.
 */
final class ConnectionLimit implements Handler<HttpConnection> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);

    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionLimit(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void handle(HttpConnection connection) {
        String address = connection.remoteAddress() == null ? "?" : connection.remoteAddress().host();
        AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        int total = open.incrementAndGet();
        int fromAddress = mine.incrementAndGet();
        connection.closeHandler(v -> {
            open.decrementAndGet();
            if (mine.decrementAndGet() == 0) {
                perAddress.remove(address, mine);
            }
        });
        if (total > max || fromAddress > maxPerAddress) {
            LOG.warn("closing a connection from {}: {} open on this gateway (limit {}), {} from that address (limit {})",
                    address, total, max, fromAddress, maxPerAddress);
            connection.close();
        }
    }

    int open() {
        return open.get();
    }
}
