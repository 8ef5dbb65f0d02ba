package org.invllava.runtime.generate;

import java.util.List;

/** The outcome of one generation: ids as generated (EOS included if produced), final text, why it ended. */
public record GenerationResult(
        int[] promptTokenIds,
        int[] tokenIds,
        String text,
        FinishReason finishReason,
        List<Sampler.TopLogit> firstStepTopLogits,
        int expandedPromptLength) {
    public enum FinishReason {
        STOP,
        LENGTH
    }
}
