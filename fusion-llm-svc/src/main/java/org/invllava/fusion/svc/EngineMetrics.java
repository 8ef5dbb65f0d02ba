package org.invllava.fusion.svc;

import org.invllava.observability.Metrics;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.EngineObserver;

/** The batching engine's metrics: per step (batch size, prefill and decode tokens), KV pool, queue, preemptions. */
final class EngineMetrics implements EngineObserver {
    private static final double[] TOKEN_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048};

    private final Metrics.Histogram batchSize;
    private final Metrics.Histogram prefillTokens;
    private final Metrics.Histogram decodeTokens;
    private final Metrics.Histogram stepSeconds;
    private final Metrics.Counter preemptions;

    EngineMetrics(Metrics metrics) {
        this.batchSize = metrics.histogram("fusion_batch_size", "Sequences in one forward step", TOKEN_BUCKETS);
        this.prefillTokens =
                metrics.histogram("fusion_step_prefill_tokens", "Prompt tokens computed in one step", TOKEN_BUCKETS);
        this.decodeTokens =
                metrics.histogram("fusion_step_decode_tokens", "Decode tokens computed in one step", TOKEN_BUCKETS);
        this.stepSeconds = metrics.histogram("fusion_step_seconds", "Duration of one forward step");
        this.preemptions = metrics.counter(
                "fusion_preemptions_total",
                "Sequences that gave their KV blocks back to let older ones grow (recomputed later)");
    }

    /** Gauges read from the engine's latest snapshot. */
    void watch(BatchEngine engine, Metrics metrics) {
        metrics.gauge(
                "fusion_running_sequences",
                "Sequences in the batch (prefilling or decoding)",
                () -> engine.snapshot().running());
        metrics.gauge(
                "fusion_waiting_requests",
                "Requests waiting for a place in the batch",
                () -> engine.snapshot().waiting());
        metrics.gauge(
                "fusion_kv_blocks_used",
                "KV cache blocks held by sequences",
                () -> engine.snapshot().kvBlocksUsed());
        metrics.gauge(
                "fusion_kv_blocks_free",
                "KV cache blocks free",
                () -> engine.snapshot().kvBlocksFree());
    }

    @Override
    public void onStep(int sequences, int prefill, int decode, long nanos) {
        batchSize.observe(sequences);
        if (prefill > 0) {
            prefillTokens.observe(prefill);
        }
        decodeTokens.observe(decode);
        stepSeconds.observe(nanos / 1e9);
    }

    @Override
    public void onPreempted() {
        preemptions.inc();
    }
}
