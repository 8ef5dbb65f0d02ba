package org.invllava.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * HF {@code CLIPVisionConfig}; absent keys take the Hugging Face defaults, as in a real CLIPModel
 * {@code config.json} whose {@code vision_config} lists only what differs.
 */
public record ClipVisionConfig(
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("intermediate_size") Integer intermediateSize,
        @JsonProperty("num_hidden_layers") Integer numHiddenLayers,
        @JsonProperty("num_attention_heads") Integer numAttentionHeads,
        @JsonProperty("num_channels") Integer numChannels,
        @JsonProperty("patch_size") Integer patchSize,
        @JsonProperty("image_size") Integer imageSize,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("layer_norm_eps") Double layerNormEps) {

    public ClipVisionConfig {
        hiddenSize = hiddenSize == null ? 768 : hiddenSize;
        intermediateSize = intermediateSize == null ? 3072 : intermediateSize;
        numHiddenLayers = numHiddenLayers == null ? 12 : numHiddenLayers;
        numAttentionHeads = numAttentionHeads == null ? 12 : numAttentionHeads;
        numChannels = numChannels == null ? 3 : numChannels;
        patchSize = patchSize == null ? 32 : patchSize;
        imageSize = imageSize == null ? 224 : imageSize;
        hiddenAct = hiddenAct == null ? "quick_gelu" : hiddenAct;
        layerNormEps = layerNormEps == null ? 1e-5 : layerNormEps;
        Json.require(hiddenSize > 0 && intermediateSize > 0 && numHiddenLayers > 0, "sizes must be positive");
        Json.require(hiddenSize % numAttentionHeads == 0, "hidden_size must be divisible by num_attention_heads");
        Json.require(patchSize > 0 && imageSize % patchSize == 0, "image_size must be a multiple of patch_size");
        Json.require(hiddenAct.equals("quick_gelu"), "hidden_act " + hiddenAct + " is not supported (quick_gelu only)");
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Reads a full CLIPModel {@code config.json} (uses {@code vision_config}) or a vision-only one. */
    public static ClipVisionConfig load(Path configJson) {
        JsonNode root = Json.readTree(configJson);
        JsonNode vision = root.has("vision_config") ? root.get("vision_config") : root;
        return Json.convert(configJson, vision, ClipVisionConfig.class);
    }
}
