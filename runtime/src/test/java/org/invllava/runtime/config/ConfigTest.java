package org.invllava.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config records: checkpoint keys, Hugging Face defaults, validation with the file named. */
class ConfigTest {
    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("config.json"), json);
    }

    @Test
    void realClipConfigListsOnlyNonDefaults() throws IOException {
        // the shape of openai/clip-vit-large-patch14-336's config.json: vision_config without defaults
        ClipVisionConfig c =
                ClipVisionConfig.load(write("{\"model_type\":\"clip\",\"vision_config\":{\"hidden_size\":1024,"
                        + "\"image_size\":336,\"intermediate_size\":4096,\"num_attention_heads\":16,\"num_hidden_layers\":24,"
                        + "\"patch_size\":14,\"projection_dim\":768}}"));
        assertEquals(576, c.numPatches());
        assertEquals(64, c.headDim());
        assertEquals("quick_gelu", c.hiddenAct());
        assertEquals(1e-5, c.layerNormEps());
        ClipVisionConfig visionOnly = ClipVisionConfig.load(
                write("{\"hidden_size\":64,\"num_attention_heads\":4," + "\"image_size\":112,\"patch_size\":14}"));
        assertEquals(64, visionOnly.numPatches());
    }

    @Test
    void llamaDefaultsAndEosAsList() throws IOException {
        LlamaConfig c =
                LlamaConfig.load(write("{\"hidden_size\":4096,\"intermediate_size\":11008,\"num_hidden_layers\":32,"
                        + "\"num_attention_heads\":32,\"vocab_size\":32000,\"rms_norm_eps\":1e-5,\"rope_scaling\":null,"
                        + "\"eos_token_id\":[2, 32000]}"));
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(128, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(List.of(2, 32000), c.eosTokenIds());
        assertEquals(
                List.of(2),
                LlamaConfig.load(
                                write(
                                        "{\"hidden_size\":64,\"intermediate_size\":8,"
                                                + "\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":10,\"eos_token_id\":2}"))
                        .eosTokenIds());
    }

    @Test
    void invalidConfigsNameTheFileAndTheProblem() throws IOException {
        ConfigException gqa = assertThrows(
                ConfigException.class,
                () -> LlamaConfig.load(write("{\"hidden_size\":64,"
                        + "\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"num_key_value_heads\":3,"
                        + "\"vocab_size\":10}")));
        assertTrue(
                gqa.getMessage().contains("config.json") && gqa.getMessage().contains("num_key_value_heads"),
                gqa.getMessage());
        ConfigException missing =
                assertThrows(ConfigException.class, () -> LlamaConfig.load(write("{\"hidden_size\":64}")));
        assertTrue(missing.getMessage().contains("required"), missing.getMessage());
        ConfigException rope = assertThrows(
                ConfigException.class,
                () -> LlamaConfig.load(write("{\"hidden_size\":64,"
                        + "\"intermediate_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":10,"
                        + "\"rope_scaling\":{\"type\":\"linear\",\"factor\":2}}")));
        assertTrue(rope.getMessage().contains("rope_scaling"), rope.getMessage());
        ConfigException patch = assertThrows(
                ConfigException.class, () -> ClipVisionConfig.load(write("{\"image_size\":100,\"patch_size\":14}")));
        assertTrue(patch.getMessage().contains("multiple of patch_size"), patch.getMessage());
        ConfigException json = assertThrows(ConfigException.class, () -> ClipVisionConfig.load(write("{not json")));
        assertTrue(json.getMessage().contains("invalid JSON"), json.getMessage());
        ConfigException absent = assertThrows(ConfigException.class, () -> LlamaConfig.load(dir.resolve("nope.json")));
        assertTrue(absent.getMessage().contains("file not found"), absent.getMessage());
    }

    @Test
    void bundleConfigRefusesUnsupportedArchitecturesClearly() throws IOException {
        String base = "{\"format\":\"invllava-hub-release-v1\",\"weights\":\"w.safetensors\",\"model\":{"
                + "\"architecture\":\"ARCH\",\"vision\":{\"feature_layers\":[-1],\"feature_select\":\"patch\","
                + "\"feature_dim\":64,\"image_size\":112},\"fusion\":{\"layers\":[0],\"targets\":[\"q\",\"k\",\"v\"],"
                + "\"operator\":\"concat\"},\"adaptation\":{\"rank\":4,\"alpha\":8}}}";
        InverseLlavaConfig ok = InverseLlavaConfig.load(write(base.replace("ARCH", "inverse_llava")));
        assertEquals(1e-6, ok.model().fusion().visualNormEps());
        assertEquals(
                InverseLlavaConfig.Adaptation.ALL_TARGETS,
                ok.model().adaptation().targetSuffixes());
        ConfigException arch = assertThrows(
                ConfigException.class, () -> InverseLlavaConfig.load(write(base.replace("ARCH", "llava_reference"))));
        assertTrue(arch.getMessage().contains("llava_reference is not supported"), arch.getMessage());
        ConfigException op = assertThrows(
                ConfigException.class,
                () -> InverseLlavaConfig.load(
                        write(base.replace("ARCH", "inverse_llava").replace("concat", "sum"))));
        assertTrue(op.getMessage().contains("operator sum"), op.getMessage());
    }
}
