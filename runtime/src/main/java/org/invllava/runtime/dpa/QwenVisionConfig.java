package org.invllava.runtime.dpa;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.config.ConfigException;
import org.invllava.runtime.config.Json;

/**
 * The {@code vision_config} of a Qwen2.5-VL {@code config.json}: the perceiver's vision tower (DPA-4B: depth 32,
 * 1280 wide, 16 heads, FFN 3420, 112-px windows, full attention in blocks 7, 15, 23, 31, 2×2 merge).
 */
public record QwenVisionConfig(
        @JsonProperty("depth") Integer depth,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("intermediate_size") Integer intermediateSize,
        @JsonProperty("num_heads") Integer numHeads,
        @JsonProperty("in_channels") @JsonAlias("in_chans") Integer inChannels,
        @JsonProperty("patch_size") Integer patchSize,
        @JsonProperty("temporal_patch_size") Integer temporalPatchSize,
        @JsonProperty("spatial_merge_size") Integer spatialMergeSize,
        @JsonProperty("window_size") Integer windowSize,
        @JsonProperty("fullatt_block_indexes") List<Integer> fullAttentionBlocks,
        @JsonProperty("out_hidden_size") Integer outHiddenSize,
        @JsonProperty("hidden_act") String hiddenAct) {

    /** The norms' ε: Qwen2.5-VL's vision RMSNorms and the merger's {@code ln_q} are built with 1e-6. */
    public static final double RMS_NORM_EPS = 1e-6;
    /** The 2D rotary base of the vision tower (fixed in the model code). */
    public static final double ROPE_THETA = 10000.0;

    public QwenVisionConfig {
        Json.require(
                depth != null
                        && hiddenSize != null
                        && intermediateSize != null
                        && numHeads != null
                        && outHiddenSize != null,
                "vision_config needs depth, hidden_size, intermediate_size, num_heads and out_hidden_size");
        inChannels = inChannels == null ? 3 : inChannels;
        patchSize = patchSize == null ? 14 : patchSize;
        temporalPatchSize = temporalPatchSize == null ? 2 : temporalPatchSize;
        spatialMergeSize = spatialMergeSize == null ? 2 : spatialMergeSize;
        windowSize = windowSize == null ? 112 : windowSize;
        fullAttentionBlocks = fullAttentionBlocks == null ? List.of() : List.copyOf(fullAttentionBlocks);
        hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
        Json.require(hiddenSize % numHeads == 0, "hidden_size must be a multiple of num_heads");
        Json.require(
                (hiddenSize / numHeads) % 4 == 0, "the head size must be a multiple of 4 (2D rotary over h and w)");
        Json.require(inChannels == 3, "in_channels must be 3");
        Json.require(windowSize % (patchSize * spatialMergeSize) == 0, "window_size must be a multiple of the merge");
        Json.require(hiddenAct.equals("silu"), "vision hidden_act " + hiddenAct + " is not supported (silu only)");
        for (int b : fullAttentionBlocks) {
            Json.require(b >= 0 && b < depth, "fullatt_block_indexes holds " + b + ", outside 0.." + (depth - 1));
        }
    }

    /** This config with the merger's output width {@code width} (DPA re-dimensions it to the perceiver LLM's). */
    public QwenVisionConfig withOutHiddenSize(int width) {
        return new QwenVisionConfig(
                depth,
                hiddenSize,
                intermediateSize,
                numHeads,
                inChannels,
                patchSize,
                temporalPatchSize,
                spatialMergeSize,
                windowSize,
                fullAttentionBlocks,
                width,
                hiddenAct);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Values of one flattened patch: channels × temporal × patch × patch (1176). */
    public int patchValues() {
        return inChannels * temporalPatchSize * patchSize * patchSize;
    }

    /** Merged units along a window's side (112 / 14 / 2 = 4). */
    public int windowUnits() {
        return windowSize / patchSize / spatialMergeSize;
    }

    /** Reads {@code vision_config} of a Qwen2.5-VL {@code config.json}. */
    public static QwenVisionConfig load(Path configJson) {
        JsonNode vision = Json.readTree(configJson).get("vision_config");
        if (vision == null) {
            throw new ConfigException(configJson + ": no vision_config (not a Qwen2.5-VL config)");
        }
        return Json.convert(configJson, vision, QwenVisionConfig.class);
    }
}
