package org.invllava.gateway;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TokenLog;
import org.invllava.schemas.TokenChunk;

/** Reads back the chunks an answer already has, for a client that resumes it; on a thread of its own, off the event loop. */
final class AnswerReplay implements AutoCloseable {
    private final TokenLog log;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "answer-replay");
        t.setDaemon(true);
        return t;
    });

    AnswerReplay(KafkaSettings kafka) {
        this.log = new TokenLog(kafka);
    }

    /** The chunks of {@code requestId} (created at {@code createdAt}, epoch ms) in {@code vlm.tokens} now. */
    CompletableFuture<List<TokenChunk>> read(String requestId, long createdAt) {
        return CompletableFuture.supplyAsync(() -> log.read(Map.of(requestId, createdAt)).get(requestId), reader);
    }

    @Override
    public void close() {
        reader.execute(log::close); // on the thread that uses it, after any read in progress
        reader.shutdown();
    }
}
