package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.invllava.runtime.language.ForwardBatch;
import org.invllava.runtime.language.FreshKv;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.nn.Scalars;

/**
 * The training forward pass: a batch of whole sequences through the serving model's own {@link LlamaModel#forward}
 * (one segment each, no cache), then the mean cross-entropy of the scored rows' next-token predictions.
 */
final class CausalLoss {
    private CausalLoss() {}

    /** The scalar mean loss over every scored token of {@code batch}, owned by {@code m}. */
    static NDArray of(
            LlamaModel language, List<Example> batch, int visualDim, StepInput.PatchRows patchRows, NDManager m) {
        return of(language, batch, new StepInput(visualDim, patchRows), null, m);
    }

    /**
     * As {@link #of(LlamaModel, List, int, StepInput.PatchRows, NDManager)} into the empty {@code input}, its patch
     * rows passed through {@code projection} (LLaVA-1.5's projector) when not null.
     */
    static NDArray of(
            LlamaModel language, List<Example> batch, StepInput input, UnaryOperator<NDArray> projection, NDManager m) {
        List<ForwardBatch.Segment> segments = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        int offset = 0;
        for (Example e : batch) {
            input.addExpanded(e.sequence(), 0, e.sequence().length());
            segments.add(new ForwardBatch.Segment(new FreshKv(), e.sequence().length()));
            for (int i = 0; i < e.rows().length; i++) {
                rows.add((long) (offset + e.rows()[i]));
                targets.add((long) e.targets()[i]);
            }
            offset += e.sequence().length();
        }
        StepInput.Tensors in = input.tensors(m, language, ai.djl.ndarray.types.DataType.FLOAT32, projection);
        NDArray hidden = language.forward(in.embeds(), in.streams(), new ForwardBatch(segments)); // [N, D]
        NDArray scored = hidden.get(
                m,
                new NDIndex(
                        "{}", m.create(rows.stream().mapToLong(Long::longValue).toArray()))); // [M, D]
        NDArray logProbs = language.headLogits(scored).logSoftmax(-1); // [M, V]
        NDArray oneHot = m.create(targets.stream().mapToLong(Long::longValue).toArray())
                .oneHot(language.config().vocabSize());
        return Scalars.times(logProbs.mul(oneHot).sum(), -1.0 / targets.size());
    }
}
