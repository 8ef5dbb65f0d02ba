package org.invllava.fusion.svc;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.Producer;
import org.invllava.kafka.FeatureCodec;
import org.invllava.kafka.TokenLookups;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.generate.Decoding;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Logprobs;
import org.invllava.runtime.model.ContextLengthException;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.GenerationCallbacks;
import org.invllava.runtime.serving.Outcome;
import org.invllava.runtime.serving.Priority;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.TokenLogprob;
import org.invllava.schemas.Usage;
import org.invllava.schemas.WorkItem;
import org.invllava.wire.PatchFeatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers joined requests through the batching engine: a chunk per sampled token as soon as it is sampled, then a
 * final chunk with the finish reason and usage, or with an error code. Deterministic for a given request (greedy or
 * seeded; a sequence's tokens do not depend on its batch), so a redo after a crash produces the same chunks. Final
 * chunks wait for Kafka's acks on the {@code finisher}, never on the engine thread.
 */
final class RequestWorker {
    private static final Logger LOG = LoggerFactory.getLogger(RequestWorker.class);
    /** Why the engine should drop a sequence: a cancel, or a deadline (with its error). */
    private record Stop(FinishReason reason, ErrorInfo error) {}

    /** Why the engine should drop a sequence without a final chunk: its partition moved to another instance. */
    private static final Object HANDED_OVER = new Object();

    private final MultimodalModel model;
    private final BatchEngine engine;
    private final Producer<byte[], byte[]> producer;
    private final ControlState control;
    private final Executor finisher;
    private final Metrics.Histogram queueSeconds;
    private final Metrics.Histogram firstTokenSeconds;
    private final Metrics.Histogram interTokenSeconds;
    private final Metrics.Counter tokens;
    private final Metrics.Histogram stepsAfterCancel;
    private final Runnable writeFailed;
    private final Tracing tracing;
    private final TokenLookups lookups;
    private final Metrics.Counter resumedTokens;
    private final PromptPlan.Grammars grammars;
    /** Requests between their start and their end in the engine; those handed over to another instance. */
    private final java.util.Set<String> active = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final java.util.Set<String> handedOver = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * {@code control}: which requests were cancelled or lost their client; {@code writeFailed} runs when a request's chunks could not be written (its offset then stays uncommitted).
     */
    RequestWorker(
            MultimodalModel model,
            BatchEngine engine,
            Producer<byte[], byte[]> producer,
            ControlState control,
            Executor finisher,
            Runnable writeFailed,
            Metrics metrics,
            Tracing tracing,
            TokenLookups lookups) {
        this.tracing = tracing;
        this.lookups = lookups;
        this.grammars = new PromptPlan.Grammars(model);
        this.resumedTokens = metrics.counter(
                "fusion_resumed_tokens_total",
                "Tokens of taken-over requests found already written, and not generated again");
        this.model = model;
        this.engine = engine;
        this.producer = producer;
        this.control = control;
        this.finisher = finisher;
        this.writeFailed = writeFailed;
        this.queueSeconds =
                metrics.histogram("fusion_queue_seconds", "Request created at the gateway to generation start");
        this.firstTokenSeconds =
                metrics.histogram("fusion_time_to_first_token_seconds", "Accepted from vlm.work to first token");
        this.interTokenSeconds =
                metrics.histogram("fusion_inter_token_latency_seconds", "Time between tokens of a request");
        this.tokens = metrics.counter("fusion_generated_tokens_total", "Tokens generated (rate() gives tokens/s)");
        this.stepsAfterCancel = metrics.histogram(
                "fusion_decode_steps_after_cancel",
                "Decode steps begun after a request's cancel reached this instance (0 or 1: checked before every step)",
                Metrics.SIZE_BUCKETS);
    }

    /**
     * Starts answering {@code work} in a span that is the child of {@code parent} (the context the work record's headers
     * carry), whose context goes on every chunk; {@code answered} runs once every chunk is acknowledged (not when they could not be written: the request is
     * then redone). {@code takenOver}: an earlier owner may have started it; the answer then continues after the
     * chunks already in {@code vlm.tokens} (or ends at once if they are complete) instead of starting over.
     */
    void start(WorkItem work, Context parent, boolean takenOver, Runnable answered) {
        PromptRequest p = work.getPrompt();
        Tracing.Stage stage = tracing.start("fusion.generate", p.getRequestId(), parent, SpanKind.CONSUMER, -1);
        active.add(p.getRequestId());
        if (!takenOver) {
            begin(work, stage, List.of(), answered);
            return;
        }
        lookups.written(p.getRequestId(), p.getCreatedAtEpochMs()).whenComplete((chunks, e) -> {
            if (e != null && rootCause(e) instanceof org.apache.kafka.common.errors.AuthorizationException) {
                LOG.error(
                        "request {}: this instance's Kafka user may not read {} ({}): every request taken over is "
                                + "generated again from the start; grant it Read on {} (Kubernetes: KafkaUser/fusion-llm)",
                        p.getRequestId(),
                        org.invllava.schemas.Topics.TOKENS,
                        rootCause(e).getMessage(),
                        org.invllava.schemas.Topics.TOKENS);
            } else if (e != null) {
                LOG.warn(
                        "request {}: cannot read what was already written ({}); answering it from the start",
                        p.getRequestId(),
                        e.toString());
            }
            begin(work, stage, e == null ? chunks : List.of(), answered);
        });
    }

    /** Answers {@code work} after the chunks {@code written} by an earlier owner (none for a new request). */
    private void begin(WorkItem work, Tracing.Stage stage, List<TokenChunk> written, Runnable answered) {
        PromptRequest p = work.getPrompt();
        if (handedOver.remove(p.getRequestId())) { // its partition moved while what was written was being read
            active.remove(p.getRequestId());
            stage.end("handed_over");
            return;
        }
        List<Integer> resumed =
                written.stream().flatMap(c -> c.getTokenIds().stream()).toList();
        resumedTokens.inc(resumed.size()); // not generated again, whether the answer ended or goes on
        if (!written.isEmpty() && written.get(written.size() - 1).getFinishReason() != null) {
            LOG.info("request {} was answered before it was taken over ({} chunks)", p.getRequestId(), written.size());
            active.remove(p.getRequestId());
            stage.attribute("resumed_after", written.size()).end(null);
            answered.run();
            return;
        }
        LOG.info(
                "request {} taken ({}, max {} tokens{}) (traceparent {})",
                p.getRequestId(),
                work.getFeatures() == null ? "text only" : "with image",
                p.getSampling().getMaxNewTokens(),
                resumed.isEmpty() ? "" : ", continuing after " + resumed.size() + " already written",
                stage.traceparent());
        if (!resumed.isEmpty()) {
            stage.attribute("resumed_after", resumed.size());
        }
        ChunkWriter out = new ChunkWriter(producer, p.getRequestId(), p.getReplyTo(), stage, written.size());
        queueSeconds.observe(Math.max(0, System.currentTimeMillis() - p.getCreatedAtEpochMs()) / 1e3);
        ErrorInfo invalid = validate(work);
        if (invalid != null) {
            finish(out, FinishReason.ERROR, null, invalid, answered);
            return;
        }
        if (control.cancelledAt(p.getRequestId()) != null) { // cancelled while queued: no prefill
            finish(out, FinishReason.CANCELLED, null, null, answered);
            return;
        }
        String orphaned = control.orphaned(p.getRequestId(), p.getReplyTo());
        if (orphaned != null) {
            finish(out, FinishReason.ERROR, null, unlistened(orphaned), answered);
            return;
        }
        PromptPlan plan;
        try { // the request's own fields
            plan = PromptPlan.of(p, model, grammars);
        } catch (InvalidRequestException e) {
            finish(
                    out,
                    FinishReason.ERROR,
                    null,
                    new ErrorInfo(ErrorCode.INVALID_REQUEST.code(), e.getMessage()),
                    answered);
            return;
        }
        Answering answering = new Answering(p, plan, out, written, answered);
        try {
            List<PatchFeatures> images = work.getFeatures() == null
                    ? List.of()
                    : List.of(FeatureCodec.fromBytes(
                            work.getFeatures().getData(),
                            work.getFeatures().getDtype(),
                            work.getFeatures().getShape()));
            if (plan.echo() && !plan.options().promptLogprobs() && !answering.echoed) {
                out.echo(plan.echoText(), null); // no scores asked for: the text is known now
            }
            engine.submitChoices(
                    p.getRequestId(),
                    plan.promptIds(),
                    images,
                    plan.choices(),
                    answering.echoed ? plan.options().withoutPromptLogprobs() : plan.options(),
                    answering.resumed,
                    p.getBulk() ? Priority.BULK : Priority.INTERACTIVE,
                    answering.callbacks());
        } catch (ContextLengthException e) {
            finish(
                    out,
                    FinishReason.ERROR,
                    null,
                    new ErrorInfo(ErrorCode.PROMPT_TOO_LONG.code(), e.getMessage()),
                    answered);
        } catch (RuntimeException e) { // not the client's doing: features, model or engine
            LOG.error("request {} could not start generating", p.getRequestId(), e);
            finish(
                    out,
                    FinishReason.ERROR,
                    null,
                    new ErrorInfo(ErrorCode.INTERNAL.code(), "generation could not start"),
                    answered);
        }
    }

    /**
     * One request inside the engine, all its choices: stop checks, token chunks (with their log probabilities and
     * choice), the echo, each choice's end when there are several, and once every choice has ended the final chunk
     * with the usage (the prompt counted once).
     */
    private final class Answering {
        private final PromptRequest prompt;
        private final PromptPlan plan;
        private final ChunkWriter out;
        private final Runnable answered;
        private final TokenTexts texts = new TokenTexts(model.tokenizer());
        /** Per choice: the tokens an earlier owner wrote, and whether it wrote the choice's end. */
        final List<List<Integer>> resumed = new ArrayList<>();

        private final boolean[] endedBefore;
        /** An earlier owner wrote the echo. */
        final boolean echoed;

        private final Outcome[] outcomes;
        private int left;
        private long last = System.nanoTime();
        private long lastCheck = Long.MAX_VALUE;

        Answering(PromptRequest prompt, PromptPlan plan, ChunkWriter out, List<TokenChunk> written, Runnable answered) {
            this.prompt = prompt;
            this.plan = plan;
            this.out = out;
            this.answered = answered;
            int n = plan.choices().size();
            this.endedBefore = new boolean[n];
            this.outcomes = new Outcome[n];
            this.left = n;
            for (int i = 0; i < n; i++) {
                int choice = i;
                resumed.add(written.stream()
                        .filter(c -> !c.getEcho() && c.getChoice() == choice)
                        .flatMap(c -> c.getTokenIds().stream())
                        .toList());
                endedBefore[i] =
                        written.stream().anyMatch(c -> c.getChoice() == choice && c.getChoiceFinishReason() != null);
            }
            this.echoed = written.stream().anyMatch(TokenChunk::getEcho);
        }

        List<GenerationCallbacks> callbacks() {
            List<GenerationCallbacks> out = new ArrayList<>();
            for (int i = 0; i < plan.choices().size(); i++) {
                out.add(new Choice(i));
            }
            return out;
        }

        /** Why the engine should drop the request's sequences now, or null. */
        Object stopReason() {
            if (handedOver.contains(prompt.getRequestId())) {
                return HANDED_OVER;
            }
            Long cancelAt = control.cancelledAt(prompt.getRequestId());
            if (cancelAt != null) {
                stepsAfterCancel.observe(cancelAt < lastCheck ? 1 : 0); // the step after the last check began after it
                return new Stop(FinishReason.CANCELLED, null);
            }
            String orphaned = control.orphaned(prompt.getRequestId(), prompt.getReplyTo());
            if (orphaned != null) {
                LOG.info("request {} stopped: {}", prompt.getRequestId(), orphaned);
                return new Stop(FinishReason.ERROR, unlistened(orphaned));
            }
            if (System.currentTimeMillis() > prompt.getDeadlineEpochMs()) {
                return new Stop(
                        FinishReason.ERROR,
                        new ErrorInfo(ErrorCode.DEADLINE_EXCEEDED.code(), "deadline passed while generating"));
            }
            lastCheck = System.nanoTime();
            return null;
        }

        synchronized void token(int choice, Decoding.Step step) {
            long now = System.nanoTime();
            (step.index() == 0 && choice == 0 ? firstTokenSeconds : interTokenSeconds).observe((now - last) / 1e9);
            last = now;
            tokens.inc();
            if (!plan.scoreOnly()) {
                out.token(
                        choice,
                        step.tokenId(),
                        step.textDelta(),
                        step.logprobs() == null ? null : texts.of(step.logprobs()));
            }
        }

        synchronized void promptScored(List<Logprobs.Position> positions) {
            List<TokenLogprob> lp = new ArrayList<>();
            for (int i = 0; i < positions.size(); i++) {
                lp.add(positions.get(i) == null ? texts.first(plan.promptIds()[i]) : texts.of(positions.get(i)));
            }
            out.echo(plan.echoText(), lp);
        }

        synchronized void done(int choice, Outcome outcome) {
            outcomes[choice] = outcome;
            if (outcome instanceof Outcome.Finished f && plan.choices().size() > 1 && !endedBefore[choice]) {
                out.choiceEnd(choice, wire(f.result().finishReason()));
            }
            if (--left == 0) {
                end();
            }
        }

        private void end() {
            for (Outcome o : outcomes) {
                if (o instanceof Outcome.Stopped s && s.reason() == HANDED_OVER) {
                    handedOver.remove(prompt.getRequestId());
                    active.remove(prompt.getRequestId());
                    LOG.info(
                            "request {} handed over after {} chunks (its partition moved)",
                            prompt.getRequestId(),
                            out.sent());
                    out.stage().attribute("chunks", out.sent()).end("handed_over");
                    return; // no final chunk: the new owner continues after the chunks written here
                }
            }
            for (Outcome o : outcomes) {
                if (o instanceof Outcome.Failed e) {
                    LOG.error("request {} failed", prompt.getRequestId(), e.error());
                    finish(
                            out,
                            FinishReason.ERROR,
                            null,
                            new ErrorInfo(ErrorCode.INTERNAL.code(), "generation failed"),
                            answered);
                    return;
                }
                if (o instanceof Outcome.Stopped s) {
                    Stop stop = (Stop) s.reason();
                    finish(out, stop.reason(), null, stop.error(), answered);
                    return;
                }
            }
            GenerationResult first = ((Outcome.Finished) outcomes[0]).result(); // every choice finished
            int completionTokens = 0;
            for (Outcome o : outcomes) {
                completionTokens +=
                        plan.scoreOnly() ? 0 : ((Outcome.Finished) o).result().tokenIds().length;
            }
            finish(
                    out,
                    plan.scoreOnly() ? FinishReason.LENGTH : wire(first.finishReason()),
                    new Usage(first.expandedPromptLength(), completionTokens),
                    null,
                    answered);
        }

        /** The engine's callbacks of one choice. */
        private final class Choice implements GenerationCallbacks {
            private final int index;

            Choice(int index) {
                this.index = index;
            }

            @Override
            public Object stopReason() {
                return Answering.this.stopReason();
            }

            @Override
            public void onToken(int i, int tokenId, String textDelta) {
                throw new IllegalStateException("the engine reports steps");
            }

            @Override
            public void onToken(Decoding.Step step) {
                token(index, step);
            }

            @Override
            public void onPromptLogprobs(List<Logprobs.Position> positions) {
                promptScored(positions);
            }

            @Override
            public void onDone(Outcome outcome) {
                done(index, outcome);
            }
        }
    }

    private static FinishReason wire(GenerationResult.FinishReason r) {
        return r == GenerationResult.FinishReason.STOP ? FinishReason.STOP : FinishReason.LENGTH;
    }

    /**
     * Stops generating {@code requestIds} (their partitions moved to another instance, which continues after what was
     * written here) and waits up to {@code wait} for them to leave the engine (within a step); returns how many had
     * not left by then.
     */
    int handOver(java.util.Collection<String> requestIds, java.time.Duration wait) throws InterruptedException {
        List<String> running = requestIds.stream().filter(active::contains).toList();
        handedOver.addAll(running);
        long until = System.nanoTime() + wait.toNanos();
        while (running.stream().anyMatch(active::contains) && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        handedOver.retainAll(active); // those that ended on their own meanwhile
        return (int) running.stream().filter(active::contains).count();
    }

    /** Writes the final chunk and waits for every ack on the finisher; then the request counts as answered. */
    private void finish(ChunkWriter out, FinishReason reason, Usage usage, ErrorInfo error, Runnable answered) {
        active.remove(out.requestId());
        finisher.execute(() -> {
            try {
                out.finish(reason, usage, error);
            } catch (RuntimeException e) {
                // chunks could not be written: leave the offset uncommitted so another attempt redoes it
                LOG.error("request {} not completed; it will be redone", out.requestId(), e);
                out.stage().end("write_failed");
                writeFailed.run();
                return;
            }
            LOG.info(
                    "request {} answered: {}{} in {} chunks (traceparent {})",
                    out.requestId(),
                    reason,
                    error == null ? "" : " " + error.getCode(),
                    out.sent(),
                    out.stage().traceparent());
            out.stage()
                    .attribute("finish_reason", reason.name())
                    .attribute("chunks", out.sent())
                    .end(error == null ? null : error.getCode());
            answered.run();
        });
    }

    private static ErrorInfo validate(WorkItem work) {
        PromptRequest p = work.getPrompt();
        if ((p.getQuestion() == null || p.getQuestion().isBlank())
                && p.getPromptTokenIds().isEmpty()) {
            return new ErrorInfo(ErrorCode.INVALID_REQUEST.code(), "the prompt is empty");
        }
        if (System.currentTimeMillis() > p.getDeadlineEpochMs()) {
            return new ErrorInfo(ErrorCode.DEADLINE_EXCEEDED.code(), "deadline passed before generation started");
        }
        if (work.getFeatures() != null && work.getFeatures().getError() != null) {
            return work.getFeatures().getError();
        }
        return null;
    }

    /**
     * The ending of an answer stopped because nobody seemed to listen: an error, not a cancel (its client asked for
     * nothing), so a client that was in fact still there is told to resume or retry instead of reading a complete
     * answer.
     */
    private static ErrorInfo unlistened(String why) {
        return new ErrorInfo(ErrorCode.UNAVAILABLE.code(), "the answer was stopped: " + why + "; resume it or retry");
    }

    /** The innermost cause of {@code e}. */
    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
