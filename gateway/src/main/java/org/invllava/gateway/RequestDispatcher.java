package org.invllava.gateway;

import io.opentelemetry.api.trace.SpanKind;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.RequestIds;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a validated request into Kafka records and its chunks back into an answer: admits it (per-key and
 * gateway limits), assigns the request id, publishes the image and the prompt under one {@code traceparent},
 * relays the chunks addressed to this gateway, and cancels the work (through {@code vlm.control}) when the client
 * cancels, leaves, or the deadline passes.
 */
public final class RequestDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    private static final AvroCodec<ImageRequest> IMAGES = AvroCodec.of(ImageRequest.class);
    private static final AvroCodec<PromptRequest> PROMPTS = AvroCodec.of(PromptRequest.class);
    /** How long after its deadline the gateway gives up on a request whose answer has not ended. */
    private static final Duration GRACE = AnswerControl.GRACE;

    /**
     * A published request: cancel it (the answer then ends as cancelled), abandon it (the client left for good: it is
     * cancelled) or detach it (a streaming client left and may resume: the fusion LLM goes on for its grace period).
     */
    public interface Submission {
        String requestId();

        void cancel(String reason);

        void abandon(String reason);

        void detach(String reason);
    }

    /** How often this gateway tells the fusion LLMs it is alive (the answers it holds have a listener). */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    private final GatewayConfig config;
    private final Vertx vertx;
    private final TokenRelay relay;
    private final Thread relayThread;
    private final Admission admission;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final ModelCapacity capacity; // null: not polled (GATEWAY_CAPACITY_POLL_MS 0), readiness is Kafka's
    private final RequestPublisher publisher;
    private final AnswerControl control;
    private long heartbeatTimer = -1;

    public RequestDispatcher(GatewayConfig config, Vertx vertx, Metrics registry, Tracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.capacity = config.capacityPoll().isZero()
                ? null
                : new ModelCapacity(config.kafka(), config.models().ids(), config.capacityPoll());
        this.vertx = vertx;
        this.metrics = new GatewayMetrics(registry);
        this.admission =
                new Admission(config.limits().maxInFlight(), config.access().maxConcurrentPerKey());
        this.relay = new TokenRelay(config.kafka());
        this.publisher = new RequestPublisher(config, tracing, relay::brokerReachable);
        this.control = new AnswerControl(config, publisher);
        this.relayThread = new Thread(relay, "token-relay-" + config.instanceId());
        this.relayThread.setDaemon(true);
        registry.gauge("gateway_active_streams", "Answers being streamed by this gateway", relay::active);
        registry.gauge("gateway_in_flight", "Requests admitted and not yet ended on this gateway", admission::inFlight);
    }

    /**
     * Fetches topic metadata (waiting for a broker that is still starting: {@link RequestPublisher#awaitMetadata}) and
     * starts relaying; waits until it follows.
     */
    public void start() throws InterruptedException {
        List<String> topics = new java.util.ArrayList<>(List.of(Topics.CONTROL));
        config.models()
                .ids()
                .forEach(m -> topics.addAll(
                        List.of(ModelTopics.of(m).images(), ModelTopics.of(m).prompts())));
        publisher.awaitMetadata(topics);
        relayThread.start();
        long until = System.currentTimeMillis() + 30_000;
        while (!relay.ready() && System.currentTimeMillis() < until) {
            Thread.sleep(20);
        }
        publisher.heartbeat();
        heartbeatTimer = vertx.setPeriodic(HEARTBEAT.toMillis(), t -> {
            publisher.heartbeat();
            failAnswersNobodyGenerates();
        });
    }

    /**
     * Ends, as unavailable, the answers of a model whose last fusion LLM left {@link #NO_FUSION_GRACE} ago with none
     * back: their streams would otherwise hear nothing until their deadline. The clients can resume them (or retry)
     * once an instance runs again; an instance that comes back sooner continues them unseen.
     */
    private void failAnswersNobodyGenerates() {
        if (capacity == null) {
            return;
        }
        for (String model : capacity.withoutFusionFor(NO_FUSION_GRACE)) {
            for (Answer a : relay.answersOf(model)) {
                a.fail(
                        ErrorCode.UNAVAILABLE.code(),
                        "no fusion LLM of model " + model + " is running: resume this answer "
                                + "with its id once one is, or retry");
            }
        }
    }

    /** How long a model may have no fusion LLM before its answers in flight end as unavailable. */
    static final Duration NO_FUSION_GRACE = Duration.ofSeconds(15);

    /** Following {@code vlm.tokens}, the broker answers, and some served model can answer (the services run). */
    public boolean ready() {
        return relay.ready() && relay.brokerReachable() && (capacity == null || capacity.anyReady());
    }

    /** Whether the broker answered this gateway's follower of {@code vlm.tokens} within the last second or so. */
    public boolean brokerReachable() {
        return relay.brokerReachable();
    }

    /** Per served model, whether it can answer and what it lacks (empty when not polled). */
    public java.util.Map<String, ModelCapacity.State> capacity() {
        return capacity == null ? java.util.Map.of() : capacity.states();
    }

    /** Counts a request refused before it was published (bad input, no key, over a limit). */
    public void refused(GatewayError e) {
        metrics.refused(e.code());
    }

    /** A place in flight for one request of a key, taken before its body is read; release it unless submitted. */
    /** {@code keyId}: the caller's key label; {@code owner}: what its requests carry ({@link ApiKeys.Caller#owner}). */
    public record Slot(String keyId, String owner, Runnable release) {}

    /**
     * Takes a place for a request of {@code keyId} (from its headers, before its body is read or its image fetched),
     * so that a key's limit also bounds the bodies and fetches it can hold. Throws (503, 429) when the stack is not
     * ready or a limit is reached. Release it ({@link Slot#release}, idempotent) if the request is not submitted.
     */
    public Slot admit(ApiKeys.Caller caller) throws GatewayError {
        String keyId = caller.label();
        if (!relay.ready()) { // which model can answer is checked with the request's model
            throw new GatewayError(ErrorCode.NOT_READY, "the gateway is not ready (starting or stopping)");
        }
        if (!relay.brokerReachable()) { // at once, not after a send has waited for the broker
            throw new GatewayError(ErrorCode.UNAVAILABLE, "Kafka does not answer this gateway: retry shortly");
        }
        return new Slot(keyId, caller.owner(), admission.acquire(keyId));
    }

    /**
     * Publishes {@code request} in its {@code slot}; its answer goes to the sink made for its request id, and the slot
     * is released when the answer ends.
     */
    public Submission submit(ChatRequest request, Slot slot, String api, Function<String, AnswerSink> sinkForId)
            throws GatewayError {
        if (capacity != null) {
            try {
                capacity.require(request.model(), request.image() != null); // 503 at once, not a wait for the deadline
            } catch (GatewayError e) {
                slot.release().run();
                throw e;
            }
        }
        String id = RequestIds.next();
        Tracing.Stage stage = tracing.start("gateway.request", id, null, SpanKind.SERVER, -1)
                .attribute("model", request.model())
                .attribute("api", api);
        AtomicLong timer = new AtomicLong(-1);
        Answer answer = register(id, request.model(), slot, stage, sinkForId, 0, timer);
        metrics.accepted(api);
        long now = System.currentTimeMillis();
        long deadline = now + request.deadline().toMillis();
        LOG.info(
                "request {} for {} accepted from {} via {} (traceparent {})",
                id,
                request.model(),
                slot.keyId(),
                api,
                stage.traceparent());
        ModelTopics topics = ModelTopics.of(request.model());
        byte[] key = PromptRecords.key(id);
        if (request.image() != null) {
            ImageRequest image = PromptRecords.image(id, request.image(), now, deadline);
            publisher.request(new ProducerRecord<>(topics.images(), key, IMAGES.encode(image)), stage, answer);
        }
        PromptRequest prompt = PromptRecords.prompt(request, id, now, deadline, config.instanceId(), slot.owner());
        publisher.request(new ProducerRecord<>(topics.prompts(), key, PROMPTS.encode(prompt)), stage, answer);
        expireAt(answer, request.deadline(), timer);
        return control.submission(answer, () -> true, () -> relay.resumedElsewhere(answer));
    }

    /**
     * Picks up the answer of request {@code requestId} for a client that reconnected (to this or any other replica)
     * and already has its chunks up to {@code after} (-1: none): the rest is read back from {@code vlm.tokens}, then
     * relayed live, each chunk once; and the fusion LLM learns the answer has a listener again. Throws 404 when the
     * id cannot be an answer still kept (not an id this stack makes, or older than the longest deadline).
     */
    public Submission resume(ResumeRequest resume, Slot slot, String api, Function<String, AnswerSink> sinkForId)
            throws GatewayError {
        String requestId = resume.requestId();
        int after = resume.after();
        String model = resume.model() == null ? config.models().ids().get(0) : resume.model();
        if (!config.models().ids().contains(model)) {
            slot.release().run();
            throw new GatewayError(ErrorCode.MODEL_NOT_FOUND, "model " + model + " is not served here");
        }
        long created = RequestIds.createdAt(requestId).orElse(-1);
        Duration age = Duration.ofMillis(System.currentTimeMillis() - created);
        if (!control.kept(created)) {
            slot.release().run();
            throw new GatewayError(
                    ErrorCode.NOT_FOUND, "no answer " + requestId + " to resume (unknown, or past its deadline)");
        }
        Tracing.Stage stage = tracing.start("gateway.resume", requestId, null, SpanKind.SERVER, -1)
                .attribute("api", api)
                .attribute("after", after);
        AtomicLong timer = new AtomicLong(-1);
        Answer answer = answer(requestId, model, slot, stage, sinkForId, resume.firstMissing(), timer);
        AtomicBoolean owned = new AtomicBoolean();
        metrics.accepted(api);
        control.prompt(requestId, created)
                .thenCompose(p -> {
                    if (p == null || !AnswerControl.mayControl(p.getOwner(), slot)) {
                        return CompletableFuture.completedFuture(null); // never published, or another key's: not found
                    }
                    owned.set(true);
                    relay.register(answer); // live from now on; the read-back covers what came before
                    LOG.info("request {} resumed after chunk {} by {} via {}", requestId, after, slot.keyId(), api);
                    control.send(requestId, ControlAction.ATTACH, "client resumed");
                    return control.written(requestId, created);
                })
                .whenComplete((chunks, e) -> {
                    if (e != null) {
                        LOG.error("cannot read back the answer of {}", requestId, e);
                        answer.fail(ErrorCode.UNAVAILABLE.code(), "the answer could not be read back: retry");
                    } else if (chunks == null) {
                        answer.fail(ErrorCode.NOT_FOUND.code(), "no answer " + requestId + " to resume");
                    } else {
                        for (TokenChunk c : chunks) {
                            if (answer.deliver(c)) {
                                break;
                            }
                        }
                    }
                });
        expireAt(answer, config.limits().deadline().minus(age), timer);
        return control.submission(answer, owned::get, () -> relay.resumedElsewhere(answer));
    }

    /**
     * Cancels the answer of {@code requestId} for the caller of {@code slot}: completes with true once the cancel is
     * published, false when there is no such answer of this caller's (unknown, past its deadline, another key's).
     */
    public CompletableFuture<Boolean> cancel(String requestId, Slot slot) {
        return control.cancel(requestId, slot);
    }

    /** {@link #answer}, relayed from now on. */
    private Answer register(
            String id,
            String model,
            Slot slot,
            Tracing.Stage stage,
            Function<String, AnswerSink> sinkForId,
            int first,
            AtomicLong timer) {
        Answer a = answer(id, model, slot, stage, sinkForId, first, timer);
        control.relaying(id, slot.owner()); // a new request's: its submitter owns it
        relay.register(a);
        return a;
    }

    /**
     * An answer for {@code id} in {@code slot} (not relayed yet); its end frees the slot, ends the span and cancels its
     * deadline {@code timer} (which would otherwise keep the answer, its sink and connection until the deadline).
     */
    private Answer answer(
            String id,
            String model,
            Slot slot,
            Tracing.Stage stage,
            Function<String, AnswerSink> sinkForId,
            int first,
            AtomicLong timer) {
        Answer[] self = new Answer[1];
        self[0] = new Answer(
                id,
                model,
                sinkForId.apply(id),
                metrics,
                errorCode -> {
                    control.ended(id, slot.owner());
                    vertx.cancelTimer(timer.get());
                    slot.release().run();
                    relay.unregister(self[0]);
                    stage.end(errorCode);
                },
                first);
        return self[0];
    }

    /** Ends {@code answer} with deadline_exceeded (and cancels the work) if it has not ended {@code after} from now. */
    private void expireAt(Answer answer, Duration after, AtomicLong timer) {
        timer.set(vertx.setTimer(Math.max(1, after.plus(GRACE).toMillis()), t -> {
            if (!answer.finished()) {
                answer.fail(ErrorCode.DEADLINE_EXCEEDED.code(), "no complete answer within the deadline");
                control.send(answer.requestId(), ControlAction.CANCEL, "deadline exceeded");
            }
        }));
        if (answer.finished()) { // it ended before the timer was set
            vertx.cancelTimer(timer.get());
        }
    }

    @Override
    public void close() {
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        control.close();
        if (capacity != null) {
            capacity.close();
        }
        relay.close();
        publisher.close(); // what was queued is still sent
    }
}
