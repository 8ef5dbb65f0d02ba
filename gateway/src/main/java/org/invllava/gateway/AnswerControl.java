package org.invllava.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.invllava.kafka.RequestIds;
import org.invllava.kafka.TokenLookups;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TokenChunk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may act on an answer, and the acts that reach the fusion LLMs through {@code vlm.control}: only the key that
 * asked for an answer (anyone, for a request sent without keys) may resume or cancel it, on any replica. The owner of
 * an answer relayed here is known here; another's is read from its prompt on Kafka.
 */
final class AnswerControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerControl.class);
    /** How long after its deadline an answer is still kept (can be resumed or cancelled). */
    static final Duration GRACE = Duration.ofSeconds(1);
    /** By when a gateway has written (or failed) a prompt it accepted: looking it up sooner could miss it. */
    static final Duration PUBLISHED_WITHIN = Duration.ofSeconds(2);

    private final GatewayConfig config;
    private final RequestPublisher publisher;
    private final TokenLookups replay;
    /** Owners of the new requests this gateway relays now (empty: sent without keys), by request id. */
    private final Map<String, Optional<String>> liveOwners = new ConcurrentHashMap<>();

    AnswerControl(GatewayConfig config, RequestPublisher publisher) {
        this.config = config;
        this.publisher = publisher;
        this.replay = new TokenLookups(config.kafka());
    }

    /** A new request of {@code owner} is relayed here from now on. */
    void relaying(String requestId, String owner) {
        liveOwners.put(requestId, Optional.ofNullable(owner));
    }

    /** The answer of {@code requestId} ended here. */
    void ended(String requestId, String owner) {
        liveOwners.remove(requestId, Optional.ofNullable(owner));
    }

    /** Whether an answer created at {@code created} (epoch ms; negative: not an id this stack makes) is still kept. */
    boolean kept(long created) {
        return created >= 0
                && System.currentTimeMillis() - created
                        <= config.limits().deadline().plus(GRACE).toMillis();
    }

    /**
     * Cancels the answer of {@code requestId} for the caller of {@code slot}: completes with true once the cancel is
     * published, false when there is no such answer of this caller's (unknown, past its deadline, another key's).
     */
    CompletableFuture<Boolean> cancel(String requestId, RequestDispatcher.Slot slot) {
        Optional<String> live = liveOwners.get(requestId);
        if (live != null) { // answered through this gateway: its owner is known here, no need to look it up
            return CompletableFuture.completedFuture(cancelIfAllowed(requestId, live.orElse(null), slot));
        }
        long created = RequestIds.createdAt(requestId).orElse(-1);
        if (!kept(created)) {
            return CompletableFuture.completedFuture(false);
        }
        return prompt(requestId, created).thenApply(p -> p != null && cancelIfAllowed(requestId, p.getOwner(), slot));
    }

    private boolean cancelIfAllowed(String requestId, String owner, RequestDispatcher.Slot slot) {
        if (!mayControl(owner, slot)) {
            return false;
        }
        LOG.info("request {} cancelled by {}", requestId, slot.keyId());
        send(requestId, ControlAction.CANCEL, "cancelled by its client");
        return true;
    }

    /**
     * Whether the caller of {@code slot} may resume or cancel an answer whose prompt carries {@code owner}: it sent
     * it with the same key, or it was sent without keys.
     */
    static boolean mayControl(String owner, RequestDispatcher.Slot slot) {
        return owner == null || owner.equals(slot.owner());
    }

    /**
     * The prompt of request {@code id}, created at {@code created} (epoch ms), from a served model's prompts topic, or
     * null when it was never published: who owns the answer, and whether there is one. Looked up no sooner than
     * {@link #PUBLISHED_WITHIN} after its creation: a client resuming at once gets no false 404.
     */
    CompletableFuture<PromptRequest> prompt(String id, long created) {
        long wait = created + PUBLISHED_WITHIN.toMillis() - System.currentTimeMillis();
        List<String> topics = config.models().ids().stream()
                .map(m -> ModelTopics.of(m).prompts())
                .toList();
        return CompletableFuture.supplyAsync(
                        () -> null, CompletableFuture.delayedExecutor(Math.max(0, wait), TimeUnit.MILLISECONDS))
                .thenCompose(v -> replay.prompt(id, created, topics));
    }

    /** The chunks of {@code id}'s answer written so far, read back from {@code vlm.tokens}. */
    CompletableFuture<List<TokenChunk>> written(String id, long created) {
        return replay.written(id, created);
    }

    void send(String requestId, ControlAction action, String reason) {
        publisher.control(requestId, action, reason);
    }

    /**
     * What the client can do with {@code answer}: its cancels and departures reach the fusion LLMs only once
     * {@code owned} says the answer is this client's (a resume is checked against the request's owner first);
     * {@code resumedElsewhere}: the client is back on another connection already (it keeps its listener).
     */
    RequestDispatcher.Submission submission(Answer answer, BooleanSupplier owned, BooleanSupplier resumedElsewhere) {
        String id = answer.requestId();
        return new RequestDispatcher.Submission() {
            @Override
            public String requestId() {
                return id;
            }

            @Override
            public void cancel(String reason) {
                if (!answer.finished() && owned.getAsBoolean()) {
                    answer.cancelAsked();
                    send(id, ControlAction.CANCEL, reason);
                }
            }

            @Override
            public void abandon(String reason) {
                if (!answer.finished()) {
                    answer.abandon();
                    if (owned.getAsBoolean()) {
                        send(id, ControlAction.CANCEL, reason);
                    }
                }
            }

            @Override
            public void detach(String reason) {
                if (!answer.finished()) {
                    answer.abandon();
                    if (owned.getAsBoolean() && !resumedElsewhere.getAsBoolean()) {
                        send(id, ControlAction.DETACH, reason);
                    }
                }
            }
        };
    }

    @Override
    public void close() {
        replay.close();
    }
}
