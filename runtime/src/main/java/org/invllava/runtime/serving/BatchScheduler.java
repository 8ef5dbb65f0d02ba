package org.invllava.runtime.serving;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import org.invllava.runtime.language.KvBlockPool;

/**
 * Chooses what the next step computes (continuous batching with chunked prefill, as vLLM's and SGLang's schedulers):
 * every running sequence's decode token first, oldest first; then the rest of the token budget goes to prompts being
 * prefilled, then to waiting requests, admitted in arrival order while the batch has room and the pool has blocks for
 * their whole prompt. When a decode finds no free block, the youngest running sequence (bulk first) is preempted: its
 * blocks go back to the pool and it waits at the front of its class in the queue, to be recomputed. Interactive
 * requests wait ahead of every bulk one ({@link Priority}), and one at the head of the queue that finds no room takes
 * the place of the youngest running bulk sequence, so that a bulk job delays it by at most a step. Engine thread only.
 */
final class BatchScheduler {
    /** {@code tokens} consecutive uncached positions of {@code sequence} in the next step. */
    record Planned(ActiveSequence sequence, int tokens) {}

    private final EngineConfig config;
    private final KvBlockPool pool;
    private final List<ActiveSequence> running = new ArrayList<>(); // admission order
    private final LinkedList<ActiveSequence> waiting = new LinkedList<>(); // interactive first, then bulk
    private final Runnable onPreempted;

    BatchScheduler(EngineConfig config, KvBlockPool pool, Runnable onPreempted) {
        this.config = config;
        this.pool = pool;
        this.onPreempted = onPreempted;
    }

    /**
     * Queues {@code s} behind the requests of its class; one that already has tokens (resumed mid-answer, its client
     * waiting) goes ahead of the new ones of its class.
     */
    void enqueue(ActiveSequence s) {
        if (s.decoding.count() > 0) {
            requeueAhead(s);
        } else if (s.bulk()) {
            waiting.addLast(s);
        } else {
            waiting.add(firstBulkWaiting(), s);
        }
    }

    /** Puts {@code s} at the front of its class: interactive at the head, bulk behind the last interactive. */
    private void requeueAhead(ActiveSequence s) {
        waiting.add(s.bulk() ? firstBulkWaiting() : 0, s);
    }

    private int firstBulkWaiting() {
        int i = 0;
        for (ActiveSequence w : waiting) {
            if (w.bulk()) {
                return i;
            }
            i++;
        }
        return i;
    }

    List<ActiveSequence> running() {
        return running;
    }

    List<ActiveSequence> waiting() {
        return waiting;
    }

    boolean idle() {
        return running.isEmpty() && waiting.isEmpty();
    }

    /**
     * Runs {@code s} from now on without admission: another choice of a running request, whose prompt's KV blocks it
     * shares (it may take the batch one past its size for the rest of that request).
     */
    void adopt(ActiveSequence s) {
        running.add(s);
    }

    /** Takes {@code s} out of the engine (finished, stopped or failed) and gives its blocks back. */
    void remove(ActiveSequence s) {
        running.remove(s);
        waiting.remove(s);
        s.cache.release();
    }

    /** The next step's work; empty when there is none. Reserves the KV blocks it needs. */
    List<Planned> plan() {
        makeRoomForInteractive();
        List<Planned> plan = new ArrayList<>();
        int budget = config.maxTokensPerStep();
        for (ActiveSequence s : List.copyOf(running)) {
            if (running.contains(s) && s.decoding() && reserveOrPreempt(s)) {
                plan.add(new Planned(s, 1));
                budget--;
            }
        }
        if (plan.removeIf(p -> !running.contains(p.sequence()))) { // a bulk sequence planned earlier was preempted
            budget = config.maxTokensPerStep() - plan.size();
        }
        for (ActiveSequence s : running) {
            if (budget == 0) {
                break;
            }
            if (!s.decoding()) {
                int t = fit(s, Math.min(s.uncached(), budget));
                if (t > 0 && s.cache.reserve(t)) {
                    plan.add(new Planned(s, t));
                    budget -= t;
                }
            }
        }
        while (budget > 0 && running.size() < config.maxBatch() && !waiting.isEmpty()) {
            ActiveSequence s = waiting.peekFirst();
            if (!fitsInPool(s)) {
                break; // first come, first served: nobody overtakes the head of the queue
            }
            waiting.pollFirst();
            running.add(s);
            int t = Math.min(s.uncached(), budget);
            s.cache.reserve(t);
            plan.add(new Planned(s, t));
            budget -= t;
        }
        return plan;
    }

    /** An interactive request at the head of the queue without room: running bulk sequences make way, youngest first. */
    private void makeRoomForInteractive() {
        ActiveSequence head = waiting.peekFirst();
        if (head == null || head.bulk()) {
            return;
        }
        while (running.size() >= config.maxBatch() || !fitsInPool(head)) {
            ActiveSequence victim = youngest(true);
            if (victim == null) {
                return;
            }
            preempt(victim);
        }
    }

    private boolean fitsInPool(ActiveSequence s) {
        return pool.blocksFor(s.knownTokens()) + committedBlocks() <= pool.freeBlocks();
    }

    /** The running sequence admitted last (among bulk ones when {@code bulkOnly}), or null. */
    private ActiveSequence youngest(boolean bulkOnly) {
        for (int i = running.size() - 1; i >= 0; i--) {
            if (!bulkOnly || running.get(i).bulk()) {
                return running.get(i);
            }
        }
        return null;
    }

    /** One more block for {@code s} if its next token needs one, preempting the youngest (bulk first) until it fits. */
    private boolean reserveOrPreempt(ActiveSequence s) {
        while (!s.cache.reserve(1)) {
            ActiveSequence bulk = youngest(true);
            ActiveSequence victim = bulk != null ? bulk : running.get(running.size() - 1);
            preempt(victim);
            if (victim == s) {
                return false;
            }
        }
        return true;
    }

    private void preempt(ActiveSequence s) {
        running.remove(s);
        s.cache.release();
        requeueAhead(s);
        onPreempted.run();
    }

    /** Blocks that running prompts still need to finish their prefill (kept free for them). */
    private int committedBlocks() {
        int n = 0;
        for (ActiveSequence s : running) {
            n += Math.max(0, pool.blocksFor(s.knownTokens()) - s.cache.blocks());
        }
        return n;
    }

    /** At most {@code wanted} positions that the free blocks (and the slack of the last held block) can take. */
    private int fit(ActiveSequence s, int wanted) {
        int room = (s.cache.blocks() + pool.freeBlocks()) * pool.blockSize() - s.cache.length();
        return Math.min(wanted, room);
    }
}
