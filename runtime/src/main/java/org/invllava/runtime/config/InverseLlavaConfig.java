package org.invllava.runtime.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code inverse_llava_config.json} of a release bundle: the fields used at inference. */
public record InverseLlavaConfig(
        @JsonProperty("format") String format,
        @JsonProperty("model") Model model,
        @JsonProperty("weights") String weights,
        @JsonProperty("conversation_template") String conversationTemplate) {

    public static final String FORMAT = "invllava-hub-release-v1";

    public InverseLlavaConfig {
        Json.require(FORMAT.equals(format), "format must be " + FORMAT + ", got " + format);
        Json.require(model != null, "model is required");
        Json.require(weights != null && !weights.isBlank(), "weights is required");
        conversationTemplate = conversationTemplate == null ? "vicuna_v1" : conversationTemplate;
        Json.require(
                conversationTemplate.equals("vicuna_v1"),
                "conversation_template " + conversationTemplate + " is not supported (vicuna_v1 only)");
    }

    public record Model(
            @JsonProperty("architecture") String architecture,
            @JsonProperty("vision") Vision vision,
            @JsonProperty("fusion") Fusion fusion,
            @JsonProperty("adaptation") Adaptation adaptation,
            @JsonProperty("torch_dtype") String torchDtype) {
        public Model {
            Json.require(
                    "inverse_llava".equals(architecture),
                    "model.architecture " + architecture + " is not supported (inverse_llava)");
            Json.require(vision != null, "model.vision is required");
            Json.require(fusion != null, "model.fusion is required");
        }
    }

    public record Vision(
            @JsonProperty("feature_layers") List<Integer> featureLayers,
            @JsonProperty("feature_select") String featureSelect,
            @JsonProperty("feature_dim") Integer featureDim,
            @JsonProperty("image_size") Integer imageSize,
            @JsonProperty("aspect_ratio") String aspectRatio) {
        public Vision {
            Json.require(featureLayers != null && !featureLayers.isEmpty(), "model.vision.feature_layers is required");
            featureLayers = List.copyOf(featureLayers);
            Json.require(
                    "patch".equals(featureSelect), "model.vision.feature_select must be patch, got " + featureSelect);
            Json.require(featureDim != null && featureDim > 0, "model.vision.feature_dim is required");
            Json.require(imageSize != null && imageSize > 0, "model.vision.image_size is required");
            aspectRatio = aspectRatio == null ? "pad" : aspectRatio;
            Json.require(
                    aspectRatio.equals("pad"), "model.vision.aspect_ratio " + aspectRatio + " is not supported (pad)");
        }
    }

    public record Fusion(
            @JsonProperty("layers") List<Integer> layers,
            @JsonProperty("targets") List<String> targets,
            @JsonProperty("operator") String operator,
            @JsonProperty("visual_norm_eps") Double visualNormEps) {
        public Fusion {
            Json.require(layers != null && !layers.isEmpty(), "model.fusion.layers is required");
            layers = List.copyOf(layers);
            Json.require(targets != null && !targets.isEmpty(), "model.fusion.targets is required");
            targets = List.copyOf(targets);
            Json.require(Set.of("q", "k", "v").containsAll(targets), "model.fusion.targets must be among q, k, v");
            Json.require("concat".equals(operator), "model.fusion.operator " + operator + " is not supported (concat)");
            visualNormEps = visualNormEps == null ? 1e-6 : visualNormEps;
        }
    }

    public record Adaptation(
            @JsonProperty("method") String method,
            @JsonProperty("rank") Integer rank,
            @JsonProperty("alpha") Double alpha,
            @JsonProperty("target_suffixes") List<String> targetSuffixes,
            @JsonProperty("excluded_layer_indices") List<Integer> excludedLayerIndices) {
        public static final List<String> ALL_TARGETS =
                List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

        public Adaptation {
            Json.require(
                    method == null || method.equals("lora"), "model.adaptation.method " + method + " is not supported");
            Json.require(rank != null && rank > 0, "model.adaptation.rank is required");
            Json.require(alpha != null, "model.adaptation.alpha is required");
            targetSuffixes = targetSuffixes == null ? ALL_TARGETS : List.copyOf(targetSuffixes);
            Json.require(
                    ALL_TARGETS.containsAll(targetSuffixes),
                    "model.adaptation.target_suffixes must be among " + ALL_TARGETS);
            excludedLayerIndices = excludedLayerIndices == null ? List.of() : List.copyOf(excludedLayerIndices);
        }

        /** LoRA scale {@code alpha / rank}. */
        public double scale() {
            return alpha / rank;
        }

        public boolean targets(String projection) {
            return targetSuffixes.contains(projection);
        }
    }

    public static InverseLlavaConfig load(Path file) {
        return Json.convert(file, Json.readTree(file), InverseLlavaConfig.class);
    }
}
