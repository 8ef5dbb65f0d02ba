package org.invllava.fusion.svc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.invllava.observability.Metrics;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.ContextLengthException;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.VisualFeatures;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.schemas.ConversationTurn;
import org.invllava.schemas.ErrorCodes;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TurnRole;
import org.invllava.schemas.Usage;
import org.invllava.schemas.WorkItem;
import org.invllava.kafka.FeatureCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one joined request: a chunk per sampled token as soon as it is sampled, then a final chunk with the
 * finish reason and usage, or with an error code. Deterministic for a given request (greedy or seeded), so a
 * redo after a crash produces the same chunks.
 */
final class RequestWorker {
    private static final Logger LOG = LoggerFactory.getLogger(RequestWorker.class);

    /** Thrown from the token listener to stop generating (cancel, deadline). */
    private static final class Stop extends RuntimeException {
        final FinishReason reason;
        final ErrorInfo error;

        Stop(FinishReason reason, ErrorInfo error) {
            super(null, null, false, false);
            this.reason = reason;
            this.error = error;
        }
    }

    private final InverseLlavaModel model;
    private final Producer<byte[], byte[]> producer;
    private final Function<String, Long> cancelledAt;
    private final Metrics.Histogram queueSeconds;
    private final Metrics.Histogram firstTokenSeconds;
    private final Metrics.Histogram interTokenSeconds;
    private final Metrics.Counter tokens;

    private final Metrics.Histogram stepsAfterCancel;

    /** {@code cancelledAt}: when a request's cancel reached this instance ({@link System#nanoTime}), null if never. */
    RequestWorker(InverseLlavaModel model, Producer<byte[], byte[]> producer, Function<String, Long> cancelledAt, Metrics metrics) {
        this.model = model;
        this.producer = producer;
        this.cancelledAt = cancelledAt;
        this.queueSeconds = metrics.histogram("fusion_queue_seconds", "Request created at the gateway to generation start");
        this.firstTokenSeconds = metrics.histogram("fusion_time_to_first_token_seconds", "Generation start to first token");
        this.interTokenSeconds = metrics.histogram("fusion_inter_token_latency_seconds", "Time between tokens of a request");
        this.tokens = metrics.counter("fusion_generated_tokens_total", "Tokens generated (rate() gives tokens/s)", "");
        this.stepsAfterCancel = metrics.histogram("fusion_decode_steps_after_cancel",
                "Decode steps begun after a request's cancel reached this instance (0 or 1: checked every step)",
                Metrics.SIZE_BUCKETS);
    }

    /** Answers {@code work}; {@code traceparent} (from the work record's headers, may be null) goes on every chunk. */
    void answer(WorkItem work, String traceparent) {
        PromptRequest p = work.getPrompt();
        ChunkWriter out = new ChunkWriter(producer, p.getRequestId(), p.getReplyTo(), traceparent);
        long start = System.nanoTime();
        long[] last = {start};
        queueSeconds.observe(Math.max(0, System.currentTimeMillis() - p.getCreatedAtEpochMs()) / 1e3);
        ErrorInfo invalid = validate(work);
        if (invalid != null) {
            out.finish(FinishReason.ERROR, null, invalid);
            return;
        }
        if (cancelledAt.apply(p.getRequestId()) != null) {
            out.finish(FinishReason.CANCELLED, null, null); // cancelled while queued: not even the prefill runs
            return;
        }
        try {
            List<VisualFeatures> images = work.getFeatures() == null ? List.of()
                    : List.of(FeatureCodec.fromBytes(work.getFeatures().getData(), work.getFeatures().getDtype(),
                            work.getFeatures().getShape()));
            int[] ids = model.tokenizer().encodePrompt(conversation(p));
            GenerationResult r = new Generator(model).generate(ids, images, sampling(p.getSampling()), (i, token, text) -> {
                Long cancelAt = cancelledAt.apply(p.getRequestId());
                if (cancelAt != null) {
                    stepsAfterCancel.observe(cancelAt < last[0] ? 1 : 0); // this step began after the cancel arrived
                    throw new Stop(FinishReason.CANCELLED, null);
                }
                if (System.currentTimeMillis() > p.getDeadlineEpochMs()) {
                    throw new Stop(FinishReason.ERROR, new ErrorInfo(ErrorCodes.DEADLINE_EXCEEDED, "deadline passed while generating"));
                }
                (i == 0 ? firstTokenSeconds : interTokenSeconds).observe((System.nanoTime() - last[0]) / 1e9);
                tokens.inc();
                out.token(token, text);
                last[0] = System.nanoTime(); // the next decode step begins now
            });
            FinishReason reason = r.finishReason() == GenerationResult.FinishReason.STOP ? FinishReason.STOP : FinishReason.LENGTH;
            out.finish(reason, new Usage(r.expandedPromptLength(), r.tokenIds().length), null);
        } catch (Stop s) {
            out.finish(s.reason, null, s.error);
        } catch (ContextLengthException e) {
            out.finish(FinishReason.ERROR, null, new ErrorInfo(ErrorCodes.PROMPT_TOO_LONG, e.getMessage()));
        } catch (IllegalArgumentException e) {
            out.finish(FinishReason.ERROR, null, new ErrorInfo(ErrorCodes.INVALID_REQUEST, e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("request {} failed", p.getRequestId(), e);
            out.finish(FinishReason.ERROR, null, new ErrorInfo(ErrorCodes.INTERNAL, "generation failed: " + e.getMessage()));
        }
    }

    private static ErrorInfo validate(WorkItem work) {
        PromptRequest p = work.getPrompt();
        if (p.getQuestion() == null || p.getQuestion().isBlank()) {
            return new ErrorInfo(ErrorCodes.INVALID_REQUEST, "the prompt is empty");
        }
        if (System.currentTimeMillis() > p.getDeadlineEpochMs()) {
            return new ErrorInfo(ErrorCodes.DEADLINE_EXCEEDED, "deadline passed before generation started");
        }
        if (work.getFeatures() != null && work.getFeatures().getError() != null) {
            return work.getFeatures().getError();
        }
        return null;
    }

    /** The request's turns in the {@code vicuna_v1} template; the image goes on the turn that holds it. */
    static List<String> conversation(PromptRequest p) {
        long imageTurns = p.getHistory().stream().filter(ConversationTurn::getHasImage).count();
        if (imageTurns > 1 || (imageTurns == 1 && !p.getHasImage())) {
            throw new IllegalArgumentException("at most one turn can hold the image, and only when the request has one");
        }
        List<ChatTemplate.Turn> turns = new ArrayList<>();
        for (ConversationTurn t : p.getHistory()) {
            turns.add(new ChatTemplate.Turn(t.getRole() == TurnRole.USER ? ChatTemplate.Role.USER : ChatTemplate.Role.ASSISTANT,
                    t.getText(), t.getHasImage()));
        }
        turns.add(new ChatTemplate.Turn(ChatTemplate.Role.USER, p.getQuestion(), p.getHasImage() && imageTurns == 0));
        return ChatTemplate.vicunaV1(p.getSystem() != null ? p.getSystem() : ChatTemplate.VICUNA_V1_SYSTEM, turns);
    }

    static SamplingParams sampling(SamplingParameters s) {
        return new SamplingParams(s.getMaxNewTokens(), s.getTemperature(), s.getTopP(), s.getTopK(), s.getSeed(), s.getStop());
    }
}
