package org.invllava.runtime.serving;

/**
 * Limits of one {@link BatchEngine}: at most {@code maxBatch} sequences share a step; a step computes at most
 * {@code maxTokensPerStep} tokens (every running sequence's decode token first, the rest goes to prompt chunks, so
 * this is also the prefill chunk size); the KV pool holds {@code kvCacheTokens} positions in blocks of
 * {@code kvBlockSize}.
 */
public record EngineConfig(int maxBatch, int maxTokensPerStep, int kvBlockSize, int kvCacheTokens) {
    public EngineConfig {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
        }
        if (maxTokensPerStep < maxBatch) {
            throw new IllegalArgumentException("max tokens per step (" + maxTokensPerStep
                    + ") must be at least max batch (" + maxBatch + "): every running sequence decodes each step");
        }
        if (kvBlockSize < 1) {
            throw new IllegalArgumentException("KV block size must be at least 1, got " + kvBlockSize);
        }
        if (kvCacheTokens < kvBlockSize) {
            throw new IllegalArgumentException(
                    "KV cache tokens (" + kvCacheTokens + ") must hold at least one block of " + kvBlockSize);
        }
    }

    /** 8 sequences, 256 tokens a step, 16-position blocks, 16384 positions (TinyLlama float32: 0.7 GiB). */
    public static EngineConfig defaults() {
        return new EngineConfig(8, 256, 16, 16384);
    }

    public int kvBlocks() {
        return kvCacheTokens / kvBlockSize;
    }
}
