package org.invllava.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/** HF {@code LlamaConfig} (the fields inference needs), validated on load. */
public record LlamaConfig(
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("intermediate_size") Integer intermediateSize,
        @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("num_key_value_heads") Integer numKeyValueHeads,
        @JsonProperty("head_dim") Integer headDim,
        @JsonProperty("rms_norm_eps") Double rmsNormEps,
        @JsonProperty("rope_theta") Double ropeTheta,
        @JsonProperty("rope_scaling") JsonNode ropeScaling,
        @JsonProperty("max_position_embeddings") Integer maxPositionEmbeddings,
        @JsonProperty("vocab_size") Integer vocabSize,
        @JsonProperty("bos_token_id") Integer bosTokenId,
        @JsonProperty("eos_token_id") List<Integer> eosTokenIds,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("model_type") String modelType,
        @JsonProperty("rope_parameters") JsonNode ropeParameters,
        @JsonProperty("attention_bias") Boolean attentionBias) {

    public LlamaConfig {
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
            ropeTheta = ropeParameters.get("rope_theta").asDouble(); // transformers 5's layout
        }
        ropeTheta = ropeTheta == null ? 10000.0 : ropeTheta;
        modelType = modelType == null ? "llama" : modelType;
        maxPositionEmbeddings = maxPositionEmbeddings == null ? 2048 : maxPositionEmbeddings;
        bosTokenId = bosTokenId == null ? 1 : bosTokenId;
        eosTokenIds = eosTokenIds == null ? List.of(2) : List.copyOf(eosTokenIds);
        tieWordEmbeddings = tieWordEmbeddings != null && tieWordEmbeddings;
        hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
        Json.require(
                hiddenSize > 0 && intermediateSize > 0 && numHiddenLayers > 0 && vocabSize > 0,
                "sizes must be positive");
        Json.require(
                numAttentionHeads % numKeyValueHeads == 0,
                "num_attention_heads must be a multiple of num_key_value_heads");
        Json.require(headDim % 2 == 0, "head_dim must be even for rotary embeddings");
        Json.require(ropeScaling == null || ropeScaling.isNull(), "rope_scaling is not supported");
        Json.require(hiddenAct.equals("silu"), "hidden_act " + hiddenAct + " is not supported (silu only)");
        String ropeType = ropeParameters == null || !ropeParameters.has("rope_type")
                ? "default"
                : ropeParameters.get("rope_type").asText();
        Json.require(ropeType.equals("default"), "rope_type " + ropeType + " is not supported");
        Json.require(
                attentionBias == null || !attentionBias, "attention_bias is not supported (q/k/v/o without biases)");
    }

    /** This config with {@code ids} as the ids that end a sequence. */
    public LlamaConfig withEosTokenIds(List<Integer> ids) {
        return new LlamaConfig(
                hiddenSize,
                intermediateSize,
                numHiddenLayers,
                numAttentionHeads,
                numKeyValueHeads,
                headDim,
                rmsNormEps,
                ropeTheta,
                ropeScaling,
                maxPositionEmbeddings,
                vocabSize,
                bosTokenId,
                ids,
                tieWordEmbeddings,
                hiddenAct,
                modelType,
                ropeParameters,
                attentionBias);
    }

    /**
     * Whether q and k are RMS-normed per head before the rotary ({@code q_norm}, {@code k_norm}): Qwen3, otherwise a
     * LLaMA (DPA's thinker runs on this decoder). Other model types (LLaVA's own {@code llava}) read as LLaMA.
     */
    public boolean qkNorm() {
        return modelType.equals("qwen3");
    }

    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    public static LlamaConfig load(Path configJson) {
        return Json.convert(configJson, Json.readTree(configJson), LlamaConfig.class);
    }
}
