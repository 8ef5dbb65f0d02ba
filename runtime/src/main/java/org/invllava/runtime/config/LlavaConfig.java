package org.invllava.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * A LLaVA-1.5 {@code config.json}, in either layout it is downloaded in: llava-hf's
 * {@code LlavaForConditionalGeneration} (LLaMA and CLIP configs nested as {@code text_config}/{@code vision_config},
 * the tower in the same checkpoint) or the original release's {@code LlavaLlamaForCausalLM} (LLaMA fields at the
 * top level plus {@code mm_*} fields, the tower in a separate CLIP directory).
 *
 * @param vision the tower's config for llava-hf; null for the original release (it comes from the CLIP directory)
 * @param featureLayer the CLIP hidden state the projector reads (−2 for LLaVA-1.5)
 * @param padToSquare the original release's {@code image_aspect_ratio: pad}; llava-hf resizes and centre-crops
 * @param visionTower what the original release names as its tower (a hub id, informative only)
 */
public record LlavaConfig(
        Layout layout,
        LlamaConfig text,
        ClipVisionConfig vision,
        int featureLayer,
        boolean padToSquare,
        String visionTower) {
    public static final String HF_ARCHITECTURE = "LlavaForConditionalGeneration";
    public static final String ORIGINAL_ARCHITECTURE = "LlavaLlamaForCausalLM";

    public enum Layout {
        LLAVA_HF,
        ORIGINAL
    }

    public LlavaConfig {
        Json.require(layout != null && text != null, "layout and text config are required");
        Json.require(layout == Layout.ORIGINAL || vision != null, "vision_config is required");
    }

    /** The fields of both layouts, by their own names. */
    private record Raw(
            @JsonProperty("architectures") List<String> architectures,
            @JsonProperty("text_config") JsonNode textConfig,
            @JsonProperty("vision_config") JsonNode visionConfig,
            @JsonProperty("vision_feature_layer") Integer visionFeatureLayer,
            @JsonProperty("vision_feature_select_strategy") String visionFeatureSelectStrategy,
            @JsonProperty("projector_hidden_act") String projectorHiddenAct,
            @JsonProperty("mm_vision_tower") String mmVisionTower,
            @JsonProperty("mm_vision_select_layer") Integer mmVisionSelectLayer,
            @JsonProperty("mm_vision_select_feature") String mmVisionSelectFeature,
            @JsonProperty("mm_projector_type") String mmProjectorType,
            @JsonProperty("image_aspect_ratio") String imageAspectRatio,
            @JsonProperty("mm_use_im_start_end") Boolean mmUseImStartEnd) {}

    public static LlavaConfig load(Path configJson) {
        JsonNode root = Json.readTree(configJson);
        Raw raw = Json.convert(configJson, root, Raw.class);
        List<String> arch = raw.architectures() == null ? List.of() : raw.architectures();
        try {
            if (arch.contains(HF_ARCHITECTURE)) {
                return llavaHf(configJson, raw);
            }
            if (arch.contains(ORIGINAL_ARCHITECTURE)) {
                return original(configJson, root, raw);
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(configJson + ": " + e.getMessage(), e);
        }
        throw new ConfigException(configJson + ": architectures " + arch + " is not a LLaVA-1.5 checkpoint ("
                + HF_ARCHITECTURE + " or " + ORIGINAL_ARCHITECTURE + ")");
    }

    private static LlavaConfig llavaHf(Path file, Raw raw) {
        Json.require(raw.textConfig() != null && raw.textConfig().isObject(), "text_config is required");
        Json.require(raw.visionConfig() != null && raw.visionConfig().isObject(), "vision_config is required");
        String strategy = raw.visionFeatureSelectStrategy() == null ? "default" : raw.visionFeatureSelectStrategy();
        Json.require(
                strategy.equals("default"),
                "vision_feature_select_strategy " + strategy + " is not supported (default: patches without CLS)");
        String act = raw.projectorHiddenAct() == null ? "gelu" : raw.projectorHiddenAct();
        Json.require(act.equals("gelu"), "projector_hidden_act " + act + " is not supported (gelu)");
        LlamaConfig text = Json.convert(
                file, withLlamaDefaults((ObjectNode) raw.textConfig().deepCopy()), LlamaConfig.class);
        ClipVisionConfig vision = Json.convert(file, raw.visionConfig(), ClipVisionConfig.class);
        int layer = raw.visionFeatureLayer() == null ? -2 : raw.visionFeatureLayer();
        return new LlavaConfig(Layout.LLAVA_HF, text, vision, layer, false, null);
    }

    private static LlavaConfig original(Path file, JsonNode root, Raw raw) {
        String projector = raw.mmProjectorType() == null ? "linear" : raw.mmProjectorType();
        Json.require(
                projector.equals("mlp2x_gelu"), "mm_projector_type " + projector + " is not supported (mlp2x_gelu)");
        String select = raw.mmVisionSelectFeature() == null ? "patch" : raw.mmVisionSelectFeature();
        Json.require(select.equals("patch"), "mm_vision_select_feature " + select + " is not supported (patch)");
        Json.require(
                raw.mmUseImStartEnd() == null || !raw.mmUseImStartEnd(),
                "mm_use_im_start_end true is not supported (LLaVA-1.5 uses false)");
        LlamaConfig text = Json.convert(file, root, LlamaConfig.class);
        int layer = raw.mmVisionSelectLayer() == null ? -2 : raw.mmVisionSelectLayer();
        return new LlavaConfig(
                Layout.ORIGINAL, text, null, layer, "pad".equals(raw.imageAspectRatio()), raw.mmVisionTower());
    }

    /**
     * llava-hf's {@code text_config} lists only what differs from transformers' {@code LlamaConfig} defaults
     * (the 7B's has no sizes at all): fills those defaults in.
     */
    private static ObjectNode withLlamaDefaults(ObjectNode text) {
        putIfAbsent(text, "hidden_size", 4096);
        putIfAbsent(text, "intermediate_size", 11008);
        putIfAbsent(text, "num_hidden_layers", 32);
        putIfAbsent(text, "num_attention_heads", 32);
        putIfAbsent(text, "vocab_size", 32000);
        return text;
    }

    private static void putIfAbsent(ObjectNode node, String field, int value) {
        if (!node.hasNonNull(field)) {
            node.put(field, value);
        }
    }
}
