package org.invllava.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TokenChunk;

/**
 * Asynchronous {@link TokenLog} reads on a thread of their own (off a poll loop or an event loop), every lookup
 * waiting at that moment served by one scan of the log: what earlier owners wrote for the requests a fusion LLM takes
 * over, what a gateway replays to the clients that resume (after a gateway dies, hundreds at once).
 */
public final class TokenLookups implements AutoCloseable {
    private record Lookup(long createdAt, CompletableFuture<List<TokenChunk>> result) {}

    private final TokenLog log;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "token-lookups");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Lookup> pending = new HashMap<>();

    public TokenLookups(KafkaSettings kafka) {
        this.log = new TokenLog(kafka);
    }

    /**
     * The prompt of {@code requestId}, created at {@code createdAt} (epoch ms), from the first of {@code topics} (the
     * served models' prompts topics) that has it, or null when none does (it was never published): see
     * {@link TokenLog#first}. Every prompt asked for meanwhile is found by the same scan of each topic (hundreds of
     * clients resume at once when a gateway dies); an undecodable prompt is null.
     */
    public CompletableFuture<PromptRequest> prompt(String requestId, long createdAt, List<String> topics) {
        PromptLookup lookup = new PromptLookup(createdAt, List.copyOf(topics), new CompletableFuture<>());
        synchronized (pendingPrompts) {
            pendingPrompts.put(requestId, lookup);
        }
        reader.execute(this::readPendingPrompts);
        return lookup.result();
    }

    private record PromptLookup(long createdAt, List<String> topics, CompletableFuture<PromptRequest> result) {}

    private final Map<String, PromptLookup> pendingPrompts = new HashMap<>();

    private void readPendingPrompts() {
        Map<String, PromptLookup> batch;
        synchronized (pendingPrompts) {
            batch = new HashMap<>(pendingPrompts);
            pendingPrompts.clear();
        }
        Map<String, byte[]> found = new HashMap<>();
        try {
            java.util.Set<String> topics = new java.util.LinkedHashSet<>();
            batch.values().forEach(l -> topics.addAll(l.topics()));
            for (String topic : topics) {
                Map<String, Long> created = new HashMap<>();
                batch.forEach((id, l) -> {
                    if (l.topics().contains(topic) && !found.containsKey(id)) {
                        created.put(id, l.createdAt());
                    }
                });
                if (!created.isEmpty()) {
                    log.first(topic, created).forEach(found::putIfAbsent);
                }
            }
        } catch (RuntimeException e) {
            batch.values().forEach(l -> l.result().completeExceptionally(e));
            return;
        }
        batch.forEach((id, l) -> l.result().complete(decode(found.get(id))));
    }

    private static PromptRequest decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return PROMPTS.decode(value);
        } catch (org.invllava.schemas.PoisonRecordException e) {
            return null;
        }
    }

    private static final org.invllava.schemas.AvroCodec<PromptRequest> PROMPTS =
            org.invllava.schemas.AvroCodec.of(PromptRequest.class);

    /** The chunks already written for {@code requestId}, created at {@code createdAt} (epoch ms): see {@link TokenLog#read}. */
    public CompletableFuture<List<TokenChunk>> written(String requestId, long createdAt) {
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
