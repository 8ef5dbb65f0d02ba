package org.invllava.runtime.dpa;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.Json;

/**
 * DPA's {@code perceiver_config} ({@code LLaVABaselineConfig}, a Qwen2Config): which vision tower and LLM the
 * perceiver is made of (referenced by name) and its M-RoPE. The rotary embedding is built from this config, not from
 * the LLM's: θ is its {@code rope_theta} (Qwen2Config's default 10000 when absent), the rotary head size its
 * {@code head_dim} or {@code hidden_size / num_attention_heads} (defaults 4096 / 32), the sections its
 * {@code rope_scaling.mrope_section} (DPA_SPEC §2 step 4, §5.2).
 */
public record PerceiverConfig(
        @JsonProperty("vit_path") String vitPath,
        @JsonProperty("llm_path") String llmPath,
        @JsonProperty("rope_theta") Double ropeTheta,
        @JsonProperty("head_dim") Integer headDim,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("rope_scaling") JsonNode ropeScaling) {

    public PerceiverConfig {
        Json.require(vitPath != null && llmPath != null, "perceiver_config needs vit_path and llm_path");
        ropeTheta = ropeTheta == null ? 10000.0 : ropeTheta;
        hiddenSize = hiddenSize == null ? 4096 : hiddenSize;
        numAttentionHeads = numAttentionHeads == null ? 32 : numAttentionHeads;
        headDim = headDim == null ? hiddenSize / numAttentionHeads : headDim;
        Json.require(
                ropeScaling != null && ropeScaling.has("mrope_section"),
                "perceiver_config.rope_scaling.mrope_section is required (the perceiver's M-RoPE sections)");
        List<Integer> section = sections(ropeScaling);
        int sum = section.stream().mapToInt(Integer::intValue).sum();
        Json.require(
                section.size() == 3 && sum * 2 == headDim,
                "perceiver_config.rope_scaling.mrope_section " + section + " must be three sections summing "
                        + "to half the rotary head size (" + headDim / 2 + ")");
    }

    /** Frequencies per position row (t, h, w): [16, 24, 24] in DPA-4B. */
    public List<Integer> mropeSection() {
        return sections(ropeScaling);
    }

    private static List<Integer> sections(JsonNode ropeScaling) {
        List<Integer> out = new ArrayList<>();
        ropeScaling.get("mrope_section").forEach(n -> out.add(n.asInt()));
        return out;
    }
}
