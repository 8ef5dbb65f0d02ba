package org.invllava.runtime.dpa;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.invllava.runtime.config.Json;

/**
 * The DPA checkpoint's {@code config.json} ({@code ForwardVisualTokensArchConfig}): the thinker, the thinker's
 * tokenizer and the perceiver's processor referenced by name (their configs are not stored in the checkpoint), the
 * image token id and {@link PerceiverConfig}.
 */
public record DpaConfig(
        @JsonProperty("model_type") String modelType,
        @JsonProperty("thinker_name_or_path") String thinkerPath,
        @JsonProperty("t_tokenizer_name_or_path") String thinkerTokenizerPath,
        @JsonProperty("p_processor_name_or_path") String processorPath,
        @JsonProperty("image_token_id") Integer imageTokenId,
        @JsonProperty("perceiver_config") PerceiverConfig perceiver) {

    public static final String MODEL_TYPE = "forward_visual_tokens_llava_arch";

    public DpaConfig {
        Json.require(
                MODEL_TYPE.equals(modelType),
                "model_type must be " + MODEL_TYPE + " (a DPA checkpoint), got " + modelType);
        Json.require(
                thinkerPath != null && perceiver != null, "thinker_name_or_path and perceiver_config are required");
        thinkerTokenizerPath = thinkerTokenizerPath == null ? thinkerPath : thinkerTokenizerPath;
        processorPath = processorPath == null ? perceiver.vitPath() : processorPath;
    }

    public static DpaConfig load(Path configJson) {
        return Json.convert(configJson, Json.readTree(configJson), DpaConfig.class);
    }
}
