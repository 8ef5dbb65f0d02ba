package org.invllava.runtime.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;

/**
 * Every tensor of an Inverse-LLaVA delta ({@code model_delta.safetensors}) for a LLaMA and a bundle spec, by name
 * and shape (MODEL_SPEC §1): the fusion tensors of each fusion layer and LoRA A/B of every adapted projection.
 * What the loader expects is what training creates and writes.
 */
public final class DeltaLayout {
    public static final String PREFIX = "language_model.model.layers.";

    /** What a delta tensor is, for initialisation. */
    public enum Kind {
        TEXT_TO_VISION,
        OUTPUT,
        VISUAL_NORM,
        SCALE,
        LORA_A,
        LORA_B
    }

    /** One tensor: its checkpoint name, shape and kind. */
    public record Tensor(String name, long[] shape, Kind kind) {}

    private DeltaLayout() {}

    public static List<Tensor> of(LlamaConfig c, InverseLlavaConfig.Model spec, int visualDim) {
        return of(c, spec.fusion(), spec.adaptation(), visualDim);
    }

    /** The tensors for a fusion (or none: null) and a LoRA (or none: null) given apart. */
    public static List<Tensor> of(
            LlamaConfig c, InverseLlavaConfig.Fusion fusion, InverseLlavaConfig.Adaptation lora, int visualDim) {
        long d = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        Set<Integer> fusionLayers = fusion == null ? Set.of() : Set.copyOf(fusion.layers());
        List<Tensor> out = new ArrayList<>();
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            String p = PREFIX + layer + ".";
            if (fusionLayers.contains(layer)) {
                for (String t : fusion.targets()) {
                    long outDim = t.equals("q") ? qDim : kvDim;
                    String f = p + "self_attn.fusion.";
                    out.add(new Tensor(
                            f + "text_to_vision." + t + ".weight", new long[] {visualDim, d}, Kind.TEXT_TO_VISION));
                    out.add(new Tensor(
                            f + "output." + t + ".weight", new long[] {outDim, 2L * visualDim}, Kind.OUTPUT));
                    out.add(new Tensor(f + "visual_norm." + t + ".weight", new long[] {visualDim}, Kind.VISUAL_NORM));
                    out.add(new Tensor(f + "scales." + t, new long[0], Kind.SCALE));
                }
            } else if (lora != null && !lora.excludedLayerIndices().contains(layer)) {
                for (String proj : InverseLlavaConfig.Adaptation.ALL_TARGETS) {
                    if (!lora.targets(proj)) {
                        continue;
                    }
                    long[] io = projection(c, proj, qDim, kvDim);
                    String name = p
                            + (proj.startsWith("gate") || proj.startsWith("up") || proj.startsWith("down")
                                    ? "mlp."
                                    : "self_attn.")
                            + proj;
                    out.add(new Tensor(name + ".lora_a.weight", new long[] {lora.rank(), io[1]}, Kind.LORA_A));
                    out.add(new Tensor(name + ".lora_b.weight", new long[] {io[0], lora.rank()}, Kind.LORA_B));
                }
            }
        }
        return out;
    }

    /** [out, in] of a LLaMA projection. */
    private static long[] projection(LlamaConfig c, String proj, long qDim, long kvDim) {
        long d = c.hiddenSize();
        long ffn = c.intermediateSize();
        return switch (proj) {
            case "q_proj" -> new long[] {qDim, d};
            case "k_proj", "v_proj" -> new long[] {kvDim, d};
            case "o_proj" -> new long[] {d, qDim};
            case "gate_proj", "up_proj" -> new long[] {ffn, d};
            case "down_proj" -> new long[] {d, ffn};
            default -> throw new IllegalArgumentException(proj);
        };
    }
}
