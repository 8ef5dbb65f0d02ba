package org.invllava.runtime.generate;

import java.util.List;
import org.invllava.runtime.model.ContextLengthException;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.Sequence;
import org.invllava.wire.PatchFeatures;

/** Prefill, then sample and decode token by token, streaming each token to a listener. */
public final class Generator {
    public static final int TOP_LOGITS = 8;

    private final MultimodalModel model;

    public Generator(MultimodalModel model) {
        this.model = model;
    }

    public GenerationResult generate(
            int[] promptIds, List<PatchFeatures> images, SamplingParams params, TokenListener listener) {
        ExpandedSequence expanded = model.expand(promptIds, images);
        Decoding decoding =
                newDecoding(model, params, expanded.length(), model.language().maxPositions());
        try (Sequence seq = model.newSequence()) {
            float[] logits = seq.prefill(expanded);
            while (true) {
                Decoding.Step step = decoding.next(logits);
                listener.onToken(step.index(), step.tokenId(), step.textDelta());
                if (step.done()) {
                    return decoding.result(promptIds, expanded.length());
                }
                logits = seq.decode(step.tokenId());
            }
        }
    }

    /**
     * The decoding state of a prompt of {@code promptLength} expanded positions in a context of {@code limit}
     * positions: at most {@code limit − promptLength} new tokens; a prompt that leaves no room is refused.
     */
    public static Decoding newDecoding(MultimodalModel model, SamplingParams params, int promptLength, int limit) {
        return newDecoding(model, params, OutputOptions.NONE, promptLength, limit);
    }

    /** As {@link #newDecoding(MultimodalModel, SamplingParams, int, int)}, with {@code options}. */
    public static Decoding newDecoding(
            MultimodalModel model, SamplingParams params, OutputOptions options, int promptLength, int limit) {
        if (promptLength >= limit) {
            throw new ContextLengthException(promptLength + 1, limit);
        }
        return new Decoding(
                model.tokenizer(),
                params,
                model.language().config().eosTokenIds(),
                Math.min(params.maxNewTokens(), limit - promptLength),
                options);
    }
}
