package org.invllava.fusion.svc;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TokenLog;
import org.invllava.schemas.TokenChunk;

/**
 * What earlier owners already wrote for requests this instance takes over (after a crash or a rebalance): read from
 * {@code vlm.tokens} on a thread of its own, off the poll loop, with every lookup waiting at that moment served by
 * one scan of the log.
 */
final class Takeovers implements AutoCloseable {
    private record Lookup(long createdAt, CompletableFuture<List<TokenChunk>> result) {
    }

    private final TokenLog log;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "takeover-reader");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Lookup> pending = new HashMap<>();

    Takeovers(KafkaSettings kafka) {
        this.log = new TokenLog(kafka);
    }

    /** The chunks already written for {@code requestId}, created at {@code createdAt} (epoch ms): see {@link TokenLog#read}. */
    CompletableFuture<List<TokenChunk>> written(String requestId, long createdAt) {
        Lookup lookup = new Lookup(createdAt, new CompletableFuture<>());
        synchronized (pending) {
            pending.put(requestId, lookup);
        }
        reader.execute(this::readPending);
        return lookup.result();
    }

    private void readPending() {
        Map<String, Lookup> batch;
        synchronized (pending) {
            batch = new HashMap<>(pending);
            pending.clear();
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<String, Long> created = new HashMap<>();
        batch.forEach((id, l) -> created.put(id, l.createdAt()));
        try {
            Map<String, List<TokenChunk>> read = log.read(created);
            batch.forEach((id, l) -> l.result().complete(read.get(id)));
        } catch (RuntimeException e) {
            batch.values().forEach(l -> l.result().completeExceptionally(e));
        }
    }

    @Override
    public void close() {
        reader.execute(log::close); // on the thread that uses it, after any read in progress
        reader.shutdown();
    }
}
