package org.invllava.runtime.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.invllava.runtime.tokenizer.IncrementalDetokenizer;
import org.invllava.runtime.tokenizer.Tokenizer;

/**
 * How one sequence turns logits into tokens and text: its sampler, incremental detokenizer, stop strings, EOS
 * and token limit. The same for a sequence generated alone ({@link Generator}) or in a batch.
 */
public final class Decoding {
    private final Sampler sampler;
    private final IncrementalDetokenizer detokenizer;
    private final StopMatcher stops;
    private final List<Integer> eos;
    private final int maxNew;
    private final OutputOptions options;
    private final TokenConstraint constraint;
    private final List<Integer> tokens = new ArrayList<>();
    private GenerationResult.FinishReason finish;
    private List<Sampler.TopLogit> firstTop = List.of();

    /**
     * One picked token: its index in the answer, id, the text it completes, whether the answer ends here, and its log
     * probabilities (null unless asked for).
     */
    public record Step(int index, int tokenId, String textDelta, boolean done, Logprobs.Position logprobs) {}

    /** {@code maxNew}: the most tokens this sequence may generate (the request's limit within the context). */
    public Decoding(Tokenizer tokenizer, SamplingParams params, List<Integer> eosTokenIds, int maxNew) {
        this(tokenizer, params, eosTokenIds, maxNew, OutputOptions.NONE);
    }

    /** As {@link #Decoding(Tokenizer, SamplingParams, List, int)}, with log probabilities or a constraint. */
    public Decoding(
            Tokenizer tokenizer, SamplingParams params, List<Integer> eosTokenIds, int maxNew, OutputOptions options) {
        if (maxNew < 1) {
            throw new IllegalArgumentException("no room to generate a token");
        }
        this.sampler = new Sampler(params);
        this.detokenizer = new IncrementalDetokenizer(tokenizer, !options.verbatim());
        this.stops = new StopMatcher(params.stop());
        this.eos = List.copyOf(eosTokenIds);
        this.maxNew = maxNew;
        this.options = options;
        this.constraint =
                options.constraint() == null ? null : options.constraint().get();
    }

    public OutputOptions options() {
        return options;
    }

    /**
     * Picks the next token from {@code logits} (float32 [V], masked in place when constrained). Log probabilities are
     * the model's, read before the mask.
     */
    public Step next(float[] logits) {
        if (finish != null) {
            throw new IllegalStateException("the answer has already ended");
        }
        if (tokens.isEmpty()) {
            firstTop = List.of(Sampler.topK(logits, Generator.TOP_LOGITS));
        }
        float[] model = options.logprobs() && constraint != null ? logits.clone() : logits;
        if (constraint != null) {
            constraint.mask(logits);
        }
        int token = sampler.next(logits);
        Step step = accept(token);
        return options.logprobs() ? withLogprobs(step, Logprobs.at(model, token, options.topLogprobs())) : step;
    }

    private static Step withLogprobs(Step s, Logprobs.Position p) {
        return new Step(s.index(), s.tokenId(), s.textDelta(), s.done(), p);
    }

    /**
     * Takes tokens an earlier run of the same request already picked (a takeover after a crash), as if they had been
     * picked here: the sampler, detokenizer, stop strings and limit end up where that run left them, so the next pick
     * continues it exactly (the text they produced was delivered then and is not returned). Returns whether the
     * answer already ended among them.
     */
    public boolean replay(List<Integer> picked) {
        for (int token : picked) {
            if (finish != null) {
                throw new IllegalArgumentException("tokens replayed past the end of the answer");
            }
            sampler.skip();
            accept(token);
        }
        return finish != null;
    }

    private Step accept(int token) {
        tokens.add(token);
        if (constraint != null) {
            constraint.accept(token);
        }
        boolean end = eos.contains(token);
        String delta = end ? stops.accept(detokenizer.flush()) + stops.flush() : stops.accept(detokenizer.push(token));
        if (!end && tokens.size() == maxNew) {
            delta += stops.accept(detokenizer.flush()) + stops.flush();
        }
        if (end || stops.stopped()) {
            finish = GenerationResult.FinishReason.STOP;
        } else if (tokens.size() == maxNew) {
            finish = GenerationResult.FinishReason.LENGTH;
        }
        return new Step(tokens.size() - 1, token, delta, finish != null, null);
    }

    /** Tokens picked so far. */
    public int count() {
        return tokens.size();
    }

    /** The {@code i}-th picked token. */
    public int token(int i) {
        return tokens.get(i);
    }

    /** The outcome once {@link Step#done}: ids, final text, why it ended and the first step's top logits. */
    public GenerationResult result(int[] promptIds, int expandedPromptLength) {
        if (finish == null) {
            throw new IllegalStateException("the answer has not ended");
        }
        int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
        String text = options.verbatim() ? stops.text() : stops.text().strip();
        return new GenerationResult(
                Arrays.copyOf(promptIds, promptIds.length), ids, text, finish, firstTop, expandedPromptLength);
    }
}
