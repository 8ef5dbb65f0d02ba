package org.invllava.training;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;

/**
 * Training compute of a run, estimated from the shapes: the forward pass's matrix products (2 FLOPs per
 * multiply-add: every LLaMA projection over every row, causal attention, the head over the scored rows, the fusion's
 * mappers and outputs, LoRA's two thin products, LLaVA's projector over the patch rows), times 3 for forward and
 * backward, the usual estimate. Norms, activations and softmax are left out (a few % at these widths).
 *
 * @param fusionLayers   layers with the inverse fusion (its {@code targets})
 * @param fusionTargets  of q, k, v
 * @param visualDim      the visual stream's width (fusion input, or the projector's)
 * @param loraRank       0 for none
 * @param loraLayers     layers carrying LoRA on all seven projections
 * @param projector      whether LLaVA's {@code mlp2x_gelu} projector maps the patch rows
 */
record ComputeEstimate(
        LlamaConfig c,
        Set<Integer> fusionLayers,
        List<String> fusionTargets,
        int visualDim,
        int loraRank,
        Set<Integer> loraLayers,
        boolean projector) {
    /** Inverse-LLaVA: the fusion on the spec's layers, LoRA on the others. */
    static ComputeEstimate inverseLlava(LlamaConfig c, InverseLlavaConfig.Model spec, int visualDim) {
        Set<Integer> fusion = Set.copyOf(spec.fusion().layers());
        Set<Integer> lora = IntStream.range(0, c.numHiddenLayers())
                .boxed()
                .filter(l -> !fusion.contains(l) && spec.adaptation() != null)
                .collect(Collectors.toSet());
        return new ComputeEstimate(
                c,
                fusion,
                spec.fusion().targets(),
                visualDim,
                spec.adaptation() == null ? 0 : spec.adaptation().rank(),
                lora,
                false);
    }

    /** LLaVA-1.5: the projector, and LoRA of {@code loraRank} (0: none) on every layer. */
    static ComputeEstimate llava(LlamaConfig c, int visualDim, int loraRank) {
        Set<Integer> all = IntStream.range(0, c.numHiddenLayers()).boxed().collect(Collectors.toSet());
        return new ComputeEstimate(c, Set.of(), List.of(), visualDim, loraRank, loraRank == 0 ? Set.of() : all, true);
    }

    /** FLOPs of one forward pass over {@code e}. */
    double forward(Example e) {
        long s = e.sequence().length();
        long patches = 0;
        for (boolean p : e.sequence().isPatch()) {
            patches += p ? 1 : 0;
        }
        long d = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long ffn = c.intermediateSize();
        double macs = 0;
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            macs += s * (d * q + 2 * d * kv + q * d + 3 * d * ffn); // q, k, v, o, gate, up, down
            macs += (double) s * s * q; // QKᵀ and AV, causal (half of each)
            if (fusionLayers.contains(layer)) {
                for (String t : fusionTargets) {
                    macs += s * (d * visualDim + 2L * visualDim * (t.equals("q") ? q : kv));
                }
            }
            if (loraLayers.contains(layer)) {
                macs += (double) s * loraRank * (d + q + d + kv + d + kv + q + d + 2 * (d + ffn) + ffn + d);
            }
        }
        macs += (double) e.scoredTokens() * d * c.vocabSize();
        if (projector) {
            macs += (double) patches * (visualDim * d + d * d);
        }
        return 2 * macs;
    }

    /** Training FLOPs of {@code epochs} over {@code examples}: 3 × the forward passes. */
    double training(List<Example> examples, int epochs) {
        return 3.0 * epochs * examples.stream().mapToDouble(this::forward).sum();
    }
}
