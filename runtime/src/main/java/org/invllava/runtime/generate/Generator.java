package org.invllava.runtime.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.invllava.runtime.model.ContextLengthException;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.model.VisualFeatures;
import org.invllava.runtime.tokenizer.IncrementalDetokenizer;

/** Prefill, then sample and decode token by token, streaming each token to a listener. */
public final class Generator {
    public static final int TOP_LOGITS = 8;

    private final InverseLlavaModel model;

    public Generator(InverseLlavaModel model) {
        this.model = model;
    }

    public GenerationResult generate(int[] promptIds, List<VisualFeatures> images, SamplingParams params,
                                     TokenListener listener) {
        ExpandedSequence expanded = ExpandedSequence.build(promptIds, images, model.visualDim(),
                model.language().config().vocabSize());
        int limit = model.language().maxPositions();
        if (expanded.length() >= limit) {
            throw new ContextLengthException(expanded.length() + 1, limit);
        }
        int maxNew = Math.min(params.maxNewTokens(), limit - expanded.length());
        Sampler sampler = new Sampler(params);
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(model.tokenizer());
        StopMatcher stops = new StopMatcher(params.stop());
        List<Integer> eos = model.language().config().eosTokenIds();
        List<Integer> tokens = new ArrayList<>();
        GenerationResult.FinishReason finish = GenerationResult.FinishReason.LENGTH;
        List<Sampler.TopLogit> top;
        try (Sequence seq = model.newSequence()) {
            float[] logits = seq.prefill(expanded);
            top = List.of(Sampler.topK(logits, TOP_LOGITS));
            while (true) {
                int token = sampler.next(logits);
                tokens.add(token);
                boolean end = eos.contains(token);
                String delta = end ? stops.accept(detokenizer.flush()) + stops.flush() : stops.accept(detokenizer.push(token));
                if (!end && tokens.size() == maxNew) {
                    delta += stops.accept(detokenizer.flush()) + stops.flush();
                }
                listener.onToken(tokens.size() - 1, token, delta);
                if (end || stops.stopped()) {
                    finish = GenerationResult.FinishReason.STOP;
                    break;
                }
                if (tokens.size() == maxNew) {
                    break;
                }
                logits = seq.decode(token);
            }
        }
        int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
        return new GenerationResult(Arrays.copyOf(promptIds, promptIds.length), ids, stops.text().strip(), finish, top,
                expanded.length());
    }
}
