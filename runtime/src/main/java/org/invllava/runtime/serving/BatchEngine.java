package org.invllava.runtime.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.invllava.runtime.generate.Decoding;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.Logprobs;
import org.invllava.runtime.generate.OutputOptions;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.language.ForwardBatch;
import org.invllava.runtime.language.KvBlockPool;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.wire.PatchFeatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine loop per model instance (continuous batching): requests join and leave between steps, and each step
 * is one forward pass over every scheduled sequence's tokens ({@link BatchScheduler}), with the KV cache in a
 * shared block pool. A sequence's greedy tokens do not depend on what else is in the batch.
 */
public final class BatchEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);

    private final MultimodalModel model;
    private final LlamaModel language;
    private final NDManager manager;
    private final KvBlockPool pool;
    private final BatchScheduler scheduler;
    private final EngineObserver observer;
    private final int contextLimit;
    private final ConcurrentLinkedQueue<ActiveSequence> incoming = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private volatile boolean accepting = true;
    private volatile boolean halted;
    private volatile Snapshot snapshot;

    /** Sizes now, for gauges: sequences running and waiting, KV blocks used and free. */
    public record Snapshot(int running, int waiting, int kvBlocksUsed, int kvBlocksFree) {}

    public BatchEngine(MultimodalModel model, EngineConfig config, EngineObserver observer) {
        this.model = model;
        this.language = model.language();
        this.manager = model.newManager();
        this.pool = new KvBlockPool(language, config.kvBlocks(), config.kvBlockSize(), manager);
        this.observer = observer;
        this.scheduler = new BatchScheduler(config, pool, observer::onPreempted);
        this.contextLimit = Math.min(language.maxPositions(), pool.capacityTokens());
        this.snapshot = new Snapshot(0, 0, 0, pool.totalBlocks());
        this.thread = new Thread(this::loop, "batch-engine");
        this.thread.setDaemon(true);
        LOG.info(
                "KV pool: {} blocks of {} positions ({} MiB, {} bytes per position); batch of {} sequences, {} tokens a step",
                pool.totalBlocks(),
                pool.blockSize(),
                pool.capacityTokens() * pool.bytesPerToken() >> 20,
                pool.bytesPerToken(),
                config.maxBatch(),
                config.maxTokensPerStep());
    }

    public void start() {
        thread.start();
    }

    /** The longest sequence (prompt + answer) this engine serves: the model's context or the whole KV pool. */
    public int contextLimit() {
        return contextLimit;
    }

    /** Key plus value bytes of one position over all layers. */
    public long kvBytesPerToken() {
        return pool.bytesPerToken();
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Queues a request. Checked here, on the caller's thread: the images must match the prompt's image tokens
     * ({@link IllegalArgumentException}) and the prompt must leave room in the context
     * ({@link org.invllava.runtime.model.ContextLengthException}).
     */
    public void submit(
            String id,
            int[] promptIds,
            List<PatchFeatures> images,
            SamplingParams params,
            GenerationCallbacks callbacks) {
        submit(id, promptIds, images, params, List.of(), callbacks);
    }

    /**
     * As {@link #submit(String, int[], List, SamplingParams, GenerationCallbacks)}, continuing an answer that already
     * has the tokens {@code resumed} (picked by an earlier run of the same request): they are prefilled with the
     * prompt, and the callbacks see only the tokens after them, numbered from {@code resumed.size()}. With the same
     * sampling parameters the continuation is the one the earlier run would have picked. When the answer already
     * ended among {@code resumed}, {@code onDone} runs at once, on the caller's thread.
     */
    public void submit(
            String id,
            int[] promptIds,
            List<PatchFeatures> images,
            SamplingParams params,
            List<Integer> resumed,
            GenerationCallbacks callbacks) {
        submit(id, promptIds, images, params, resumed, Priority.INTERACTIVE, callbacks);
    }

    /** As {@link #submit(String, int[], List, SamplingParams, List, GenerationCallbacks)}, competing as {@code priority}. */
    public void submit(
            String id,
            int[] promptIds,
            List<PatchFeatures> images,
            SamplingParams params,
            List<Integer> resumed,
            Priority priority,
            GenerationCallbacks callbacks) {
        submitChoices(
                id,
                promptIds,
                images,
                List.of(params),
                OutputOptions.NONE,
                List.of(resumed),
                priority,
                List.of(callbacks));
    }

    /**
     * Queues {@code params.size()} choices of one prompt (a request's {@code n}), choice i sampled with
     * {@code params[i]}, continuing after {@code resumed[i]} and told through {@code callbacks[i]}. The prompt is
     * computed once, by the first choice without resumed tokens; the others of that kind start from a share of its KV
     * blocks and the same last logits, and join the batch then. Prompt log probabilities ({@code options}) come from
     * that first choice only; they need a prompt without images.
     */
    public void submitChoices(
            String id,
            int[] promptIds,
            List<PatchFeatures> images,
            List<SamplingParams> params,
            OutputOptions options,
            List<List<Integer>> resumed,
            Priority priority,
            List<GenerationCallbacks> callbacks) {
        if (!accepting) {
            throw new IllegalStateException("the engine is shutting down");
        }
        if (options.promptLogprobs() && !images.isEmpty()) {
            throw new IllegalArgumentException("prompt log probabilities are given for text prompts only");
        }
        ExpandedSequence prompt = model.expand(promptIds, images);
        OutputOptions later = options.withoutPromptLogprobs();
        List<Runnable> done = new ArrayList<>();
        List<ActiveSequence> queued = new ArrayList<>();
        ActiveSequence leader = null;
        for (int i = 0; i < params.size(); i++) {
            Decoding decoding = Generator.newDecoding(
                    model, params.get(i), leader == null ? options : later, prompt.length(), contextLimit);
            GenerationCallbacks c = callbacks.get(i);
            if (decoding.replay(resumed.get(i))) {
                done.add(() -> c.onDone(new Outcome.Finished(decoding.result(promptIds, prompt.length()))));
                continue;
            }
            ActiveSequence s =
                    new ActiveSequence(id, promptIds.clone(), prompt, decoding, c, pool.newCache(), priority);
            if (!resumed.get(i).isEmpty()) {
                queued.add(s);
            } else if (leader == null) {
                leader = s;
                queued.add(s);
            } else {
                leader.followers.add(s);
            }
        }
        done.forEach(Runnable::run);
        incoming.addAll(queued);
        signal();
    }

    /** As {@link #submit}, completing the future with the outcome; {@code listener} sees each token. */
    public CompletableFuture<Outcome> submit(
            String id,
            int[] promptIds,
            List<PatchFeatures> images,
            SamplingParams params,
            org.invllava.runtime.generate.TokenListener listener) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        submit(id, promptIds, images, params, new GenerationCallbacks() {
            @Override
            public void onToken(int index, int tokenId, String textDelta) {
                listener.onToken(index, tokenId, textDelta);
            }

            @Override
            public void onDone(Outcome outcome) {
                done.complete(outcome);
            }
        });
        return done;
    }

    private void loop() {
        try {
            while (!halted) {
                admitIncoming();
                removeStopped();
                List<BatchScheduler.Planned> plan = scheduler.plan();
                if (!plan.isEmpty()) {
                    step(plan);
                }
                publishSnapshot();
                if (plan.isEmpty()) {
                    awaitWork();
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.error("engine loop died", e);
            throw e;
        }
    }

    private void admitIncoming() {
        for (ActiveSequence s; (s = incoming.poll()) != null; ) {
            scheduler.enqueue(s);
        }
    }

    private void removeStopped() {
        List<ActiveSequence> all = new ArrayList<>(scheduler.running());
        all.addAll(scheduler.waiting());
        for (ActiveSequence s : all) {
            Object reason;
            try {
                reason = s.callbacks.stopReason();
            } catch (RuntimeException e) {
                end(s, new Outcome.Failed(e));
                continue;
            }
            if (reason != null) {
                end(s, new Outcome.Stopped(reason, s.decoding.count()));
            }
        }
    }

    /**
     * One forward pass over the plan, then a token for every sequence whose uncached positions it used up (and the
     * prompt's log probabilities of those that asked for them).
     */
    private void step(List<BatchScheduler.Planned> plan) {
        long t0 = System.nanoTime();
        StepInput input = model.newStepInput();
        List<ForwardBatch.Segment> segments = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int[] firstLogits = new int[plan.size()]; // per planned sequence, its first row in the logits, or -1
        int[] from = new int[plan.size()]; // its cached positions before this step
        boolean[] scores = new boolean[plan.size()]; // its prompt's rows are scored (every row's logits kept)
        boolean[] picks = new boolean[plan.size()]; // it reaches its last known token: a token is picked
        int row = 0;
        int prefill = 0;
        for (int i = 0; i < plan.size(); i++) {
            BatchScheduler.Planned p = plan.get(i);
            boolean decode = p.sequence().decoding();
            prefill += decode ? 0 : p.tokens();
            from[i] = p.sequence().cache.length();
            scores[i] = p.sequence().scoresPrompt();
            picks[i] = p.sequence().completesWith(p.tokens());
            firstLogits[i] = scores[i] || picks[i] ? rows.size() : -1;
            for (int r = scores[i] ? 0 : p.tokens() - 1; firstLogits[i] >= 0 && r < p.tokens(); r++) {
                rows.add(row + r);
            }
            p.sequence().addRows(input, p.tokens());
            segments.add(new ForwardBatch.Segment(p.sequence().cache, p.tokens()));
            row += p.tokens();
        }
        float[][] logits;
        try (NDManager step = manager.newSubManager()) {
            StepInput.Tensors in = input.tensors(step, language, model.dtype());
            NDArray hidden = language.forward(in.embeds(), in.streams(), new ForwardBatch(segments));
            logits = language.logits(
                    hidden, rows.stream().mapToInt(Integer::intValue).toArray());
        } catch (RuntimeException e) {
            LOG.error("a step of {} sequences failed; they end with an error", plan.size(), e);
            plan.forEach(p -> end(p.sequence(), new Outcome.Failed(e)));
            return;
        }
        observer.onStep(plan.size(), prefill, row - prefill, System.nanoTime() - t0);
        for (int i = 0; i < plan.size(); i++) {
            ActiveSequence s = plan.get(i).sequence();
            int tokens = plan.get(i).tokens();
            if (scores[i]) {
                try {
                    scorePrompt(s, from[i], Arrays.copyOfRange(logits, firstLogits[i], firstLogits[i] + tokens));
                } catch (RuntimeException e) {
                    end(s, new Outcome.Failed(e));
                    continue;
                }
            }
            if (picks[i]) {
                float[] last = logits[firstLogits[i] + (scores[i] ? tokens - 1 : 0)];
                fork(s, last);
                pick(s, last);
            }
        }
    }

    /**
     * The prompt's log probabilities of rows {@code from ..}: the row of position p scores the prompt's token p + 1;
     * once the prompt is complete they go to the sequence's callbacks.
     */
    private void scorePrompt(ActiveSequence s, int from, float[][] rows) {
        if (from == 0) {
            s.promptLogprobs.clear(); // a preempted prefill starts over
            s.promptLogprobs.add(null);
        }
        int top = Math.max(0, s.decoding.options().topLogprobs());
        for (int r = 0; r < rows.length && from + r + 1 < s.promptIds.length; r++) {
            s.promptLogprobs.add(Logprobs.at(rows[r], s.promptIds[from + r + 1], top));
        }
        if (from + rows.length == s.prompt.length()) {
            s.callbacks.onPromptLogprobs(Collections.unmodifiableList(new ArrayList<>(s.promptLogprobs)));
        }
    }

    /**
     * The other choices of {@code s}'s request start once its prompt is computed: each holds a share of its KV blocks,
     * picks its first token from a copy of the same logits and runs from now on.
     */
    private void fork(ActiveSequence s, float[] logits) {
        for (ActiveSequence f : s.followers) {
            f.cache.share(s.cache);
            scheduler.adopt(f);
            pick(f, logits.clone());
        }
        s.followers.clear();
    }

    private void pick(ActiveSequence s, float[] logits) {
        try {
            Decoding.Step step = s.decoding.next(logits);
            s.callbacks.onToken(step);
            if (step.done()) {
                end(s, new Outcome.Finished(s.decoding.result(s.promptIds, s.prompt.length())));
            }
        } catch (RuntimeException e) {
            end(s, new Outcome.Failed(e));
        }
    }

    /** Ends {@code s}; choices still waiting for its prompt end the same way (a cancel, a failure). */
    private void end(ActiveSequence s, Outcome outcome) {
        scheduler.remove(s);
        List<ActiveSequence> waitingForIt = List.copyOf(s.followers);
        s.followers.clear();
        waitingForIt.forEach(f -> end(
                f,
                outcome instanceof Outcome.Finished
                        ? new Outcome.Failed(
                                new IllegalStateException("the choice computing the prompt ended before it"))
                        : outcome));
        try {
            s.callbacks.onDone(outcome);
        } catch (RuntimeException e) {
            LOG.error("completion callback of {} failed", s.id, e);
        }
    }

    private void publishSnapshot() {
        int free = pool.freeBlocks();
        snapshot = new Snapshot(
                scheduler.running().size(),
                scheduler.waiting().size() + incoming.size(),
                pool.totalBlocks() - free,
                free);
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void awaitWork() {
        lock.lock();
        try {
            if (incoming.isEmpty() && !halted) {
                changed.await(scheduler.idle() ? 200 : 5, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            halted = true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether no request is queued or running. */
    public boolean idle() {
        return incoming.isEmpty() && snapshot.running() == 0 && snapshot.waiting() == 0;
    }

    /**
     * Stops taking requests, lets the running and queued ones finish for up to {@code drain}, then stops the loop
     * (what is left gets no more callbacks) and frees the KV pool.
     */
    public void close(Duration drain) {
        accepting = false;
        long until = System.nanoTime() + drain.toNanos();
        while (thread.isAlive() && !idle() && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        halt();
    }

    /** Stops at once: no further step or callback (crash drills; the requests are redone elsewhere). */
    public void halt() {
        accepting = false;
        halted = true;
        signal();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            manager.close();
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
