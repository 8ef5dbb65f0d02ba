package org.invllava.training;

import java.util.Arrays;
import java.util.List;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.wire.PatchFeatures;

/**
 * One training sequence, teacher-forced: the expanded input rows, and the rows whose next-token prediction is
 * scored with the token each should predict.
 */
public record Example(ExpandedSequence sequence, int[] rows, int[] targets) {
    public Example {
        if (rows.length != targets.length || rows.length == 0) {
            throw new IllegalArgumentException("an example needs as many scored rows as targets, at least one");
        }
    }

    /** Tokens the loss is taken on. */
    public int scoredTokens() {
        return targets.length;
    }

    /**
     * A question and its answer: the prompt's ids (with image tokens), then the answer's ids as input; the loss on
     * the answer and the EOS that ends it only (LLaVA's instruction-tuning mask).
     */
    public static Example answer(
            int[] promptIds, List<PatchFeatures> images, int[] answerIds, LlamaTokenizer tokenizer, int visualDim) {
        int[] input = Arrays.copyOf(promptIds, promptIds.length + answerIds.length);
        System.arraycopy(answerIds, 0, input, promptIds.length, answerIds.length);
        ExpandedSequence seq = ExpandedSequence.build(input, images, visualDim, tokenizer.vocabSize());
        int promptRows = seq.length() - answerIds.length;
        int[] rows = new int[answerIds.length + 1];
        int[] targets = new int[answerIds.length + 1];
        for (int j = 0; j <= answerIds.length; j++) {
            rows[j] = promptRows - 1 + j; // the row before answer token j predicts it
            targets[j] = j < answerIds.length ? answerIds[j] : tokenizer.eosId();
        }
        return new Example(seq, rows, targets);
    }

    /** Plain text as a language model reads it: BOS, the text, EOS; every next token scored. */
    public static Example text(int[] ids, LlamaTokenizer tokenizer) {
        int[] input = new int[ids.length + 1];
        input[0] = tokenizer.bosId();
        System.arraycopy(ids, 0, input, 1, ids.length);
        ExpandedSequence seq = ExpandedSequence.build(input, List.of(), 0, tokenizer.vocabSize());
        int[] rows = new int[input.length];
        int[] targets = new int[input.length];
        for (int i = 0; i < input.length; i++) {
            rows[i] = i;
            targets[i] = i + 1 < input.length ? input[i + 1] : tokenizer.eosId();
        }
        return new Example(seq, rows, targets);
    }
}
