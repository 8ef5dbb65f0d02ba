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
 * {@code rope_scaling.mrope_section} when it has them, else {@link #mropeSection(List)}'s other sources (DPA_SPEC §2
 * step 4, §5.2).
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
    }

    /**
     * The M-RoPE sections (frequencies per position row t, h, w: [16, 24, 24] in DPA-4B): the first of this config's
     * {@code rope_scaling.mrope_section}, then each of {@code others} (the perceiver LLM's config, the Qwen2.5-VL
     * config whose {@code rope_scaling} has them), top level or under {@code text_config}, as {@code rope_scaling} or
     * transformers 5's {@code rope_parameters}; they must sum to half the rotary head size.
     */
    public List<Integer> mropeSection(List<JsonNode> others) {
        List<JsonNode> configs = new ArrayList<>();
        configs.add(ropeScaling == null ? null : Json.MAPPER.createObjectNode().set("rope_scaling", ropeScaling));
        configs.addAll(others);
        for (JsonNode config : configs) {
            for (String path : SECTION_PATHS) {
                JsonNode node = config == null ? null : config.at(path);
                if (node != null && node.isArray()) {
                    List<Integer> out = new ArrayList<>();
                    node.forEach(n -> out.add(n.asInt()));
                    int sum = out.stream().mapToInt(Integer::intValue).sum();
                    Json.require(
                            out.size() == 3 && sum * 2 == headDim,
                            "mrope_section " + out + " must be three sections summing to half the perceiver's "
                                    + "rotary head size (" + headDim / 2 + ")");
                    return out;
                }
            }
        }
        throw new IllegalArgumentException("no mrope_section (the perceiver's M-RoPE sections) in perceiver_config, "
                + "the perceiver LLM's config or the vision model's config " + SECTION_PATHS);
    }

    private static final List<String> SECTION_PATHS = List.of(
            "/rope_scaling/mrope_section",
            "/rope_parameters/mrope_section",
            "/text_config/rope_scaling/mrope_section",
            "/text_config/rope_parameters/mrope_section");
}
