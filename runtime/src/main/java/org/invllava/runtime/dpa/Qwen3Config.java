package org.invllava.runtime.dpa;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.config.Json;

/**
 * HF {@code Qwen3Config} (the fields inference needs), validated on load: the DPA thinker and the perceiver's LLM.
 * θ is {@code rope_theta} (transformers 4.x files) or {@code rope_parameters.rope_theta} (5.x files).
 */
public record Qwen3Config(
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("intermediate_size") Integer intermediateSize,
        @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
        @JsonProperty("head_dim") Integer headDim,
        @JsonProperty("rms_norm_eps") Double rmsNormEps,
        @JsonProperty("rope_theta") Double ropeTheta,
        @JsonProperty("rope_parameters") JsonNode ropeParameters,
        @JsonProperty("vocab_size") Integer vocabSize,
        @JsonProperty("eos_token_id") List<Integer> eosTokenIds,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings,
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("hidden_act") String hiddenAct) {

    public Qwen3Config {
        Json.require(
                hiddenSize != null
                        && intermediateSize != null
                        && numHiddenLayers != null
                        && numAttentionHeads != null
                        && vocabSize != null,
                "hidden_size, intermediate_size, num_hidden_layers, num_attention_heads and vocab_size are required");
        numKeyValueHeads = numKeyValueHeads == null ? numAttentionHeads : numKeyValueHeads;
        headDim = headDim == null ? hiddenSize / numAttentionHeads : headDim;
        rmsNormEps = rmsNormEps == null ? 1e-6 : rmsNormEps;
        if (ropeTheta == null && ropeParameters != null && ropeParameters.has("rope_theta")) {
            ropeTheta = ropeParameters.get("rope_theta").asDouble();
        }
        ropeTheta = ropeTheta == null ? 10000.0 : ropeTheta;
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        tieWordEmbeddings = tieWordEmbeddings != null && tieWordEmbeddings;
        hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
        Json.require(
                hiddenSize > 0 && intermediateSize > 0 && numHiddenLayers > 0 && vocabSize > 0 && headDim > 0,
                "sizes must be positive");
        Json.require(
                numAttentionHeads % numKeyValueHeads == 0,
                "num_attention_heads must be a multiple of num_key_value_heads");
        Json.require(headDim % 2 == 0, "head_dim must be even for rotary embeddings");
        Json.require(attentionBias == null || !attentionBias, "attention_bias is not supported (Qwen3 has none)");
        String type = ropeParameters == null || !ropeParameters.has("rope_type")
                ? "default"
                : ropeParameters.get("rope_type").asText();
        Json.require(type.equals("default"), "rope_type " + type + " is not supported (default only)");
        Json.require(hiddenAct.equals("silu"), "hidden_act " + hiddenAct + " is not supported (silu only)");
    }

    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    public static Qwen3Config load(Path configJson) {
        return Json.convert(configJson, Json.readTree(configJson), Qwen3Config.class);
    }
}
