package org.invllava.runtime.dpa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.ConfigException;
import org.invllava.runtime.config.Json;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.WeightException;

/**
 * Where a DPA model's parts are, in either released layout, with the directories its config names by reference
 * ({@code vit_path}, {@code llm_path}, {@code thinker_name_or_path}, the processor and tokenizer names) resolved
 * against {@code refs} (a folder holding {@code <org>/<name>/} directories, as a Hugging Face download of each) or
 * beside the checkpoint.
 * <ul>
 *   <li>single: {@code config.json} with {@code perceiver_config}; tensors {@code model.perceiver.model.vlm.visual.*},
 *       {@code model.perceiver.model.vlm.language_model.*}, {@code model.linear_align_dim.*}, {@code model.thinker.*}.
 *   <li>separated ({@code seperate_model_mlp_func.py}): {@code perceiver/} (its config is the perceiver config,
 *       tensors {@code model.vlm.*}), {@code thinker/} (a Qwen3ForCausalLM with its tokenizer),
 *       {@code linear_align_dim.pth} ({@code 0.weight}, {@code 0.bias}, {@code 2.weight}, {@code 2.bias}).
 * </ul>
 * {@link #weights} renames both to {@code visual.}, {@code perceiver.}, {@code aligner.}, {@code thinker.}.
 */
public record DpaPaths(
        PerceiverConfig perceiver,
        Path vision,
        Path perceiverLlm,
        Path thinker,
        Path thinkerTokenizer,
        Path processor,
        Checkpoint weights,
        Path checkpointConfig) {

    /** The configs that state the vision token ids: the checkpoint's own (single layout) and the vision tower's. */
    public List<Path> idConfigs() {
        List<Path> out = new ArrayList<>();
        if (checkpointConfig != null) {
            out.add(checkpointConfig);
        }
        out.add(vision.resolve("config.json"));
        return out;
    }

    /** Reads {@code dir} (either layout), resolving named parts against {@code refs} (may be null). */
    public static DpaPaths open(Path dir, Path refs) {
        if (Files.isDirectory(dir.resolve("perceiver")) && Files.isRegularFile(dir.resolve("linear_align_dim.pth"))) {
            return separated(dir, refs);
        }
        Path configFile = dir.resolve("config.json");
        DpaConfig config = DpaConfig.load(configFile);
        PerceiverConfig p = config.perceiver();
        Checkpoint all = Checkpoint.open(dir);
        refuseUnknown(all);
        Checkpoint weights = all.renamed("model.perceiver.model.vlm.visual.", "visual.")
                .plus(all.renamed("model.perceiver.model.vlm.language_model.", "perceiver."))
                .plus(all.renamed("model.linear_align_dim.", "aligner."))
                .plus(all.renamed("model.thinker.", "thinker."));
        if (!weights.names().contains("thinker.lm_head.weight") && all.names().contains("lm_head.weight")) {
            weights = weights.plus(all.renamed("lm_head.", "thinker.lm_head.")); // the same module, saved once
        }
        return new DpaPaths(
                p,
                resolve(dir, refs, p.vitPath(), "perceiver_config.vit_path"),
                resolve(dir, refs, p.llmPath(), "perceiver_config.llm_path"),
                resolve(dir, refs, config.thinkerPath(), "thinker_name_or_path"),
                resolve(dir, refs, config.thinkerTokenizerPath(), "t_tokenizer_name_or_path"),
                resolve(dir, refs, config.processorPath(), "p_processor_name_or_path"),
                weights,
                configFile);
    }

    /** The single layout's tensor prefixes; the perceiver's LM head is not used (its hidden states are). */
    private static final List<String> KNOWN = List.of(
            "model.perceiver.model.vlm.visual.",
            "model.perceiver.model.vlm.language_model.",
            "model.perceiver.lm_head.",
            "model.linear_align_dim.",
            "model.thinker.",
            "lm_head.");

    private static void refuseUnknown(Checkpoint all) {
        for (String name : all.names()) {
            if (KNOWN.stream().noneMatch(name::startsWith)) {
                throw new WeightException(all.source() + ": tensor " + name + " is no part of a DPA model (expected "
                        + "names under " + KNOWN + ")");
            }
        }
    }

    private static DpaPaths separated(Path dir, Path refs) {
        Path perceiverDir = dir.resolve("perceiver");
        Path configFile = perceiverDir.resolve("config.json");
        PerceiverConfig p = Json.convert(configFile, Json.readTree(configFile), PerceiverConfig.class);
        Checkpoint perceiver = Checkpoint.open(perceiverDir);
        Checkpoint thinker = Checkpoint.open(dir.resolve("thinker"));
        Checkpoint weights = perceiver
                .renamed("model.vlm.visual.", "visual.")
                .plus(perceiver.renamed("model.vlm.language_model.", "perceiver."))
                .plus(Checkpoint.openFile(dir.resolve("linear_align_dim.pth")).renamed("", "aligner."))
                .plus(thinker.renamed("", "thinker."));
        Path thinkerDir = dir.resolve("thinker");
        Path vision = resolve(dir, refs, p.vitPath(), "perceiver config vit_path");
        return new DpaPaths(
                p,
                vision,
                resolve(dir, refs, p.llmPath(), "perceiver config llm_path"),
                thinkerDir,
                thinkerDir,
                Files.isRegularFile(perceiverDir.resolve("preprocessor_config.json")) ? perceiverDir : vision,
                weights,
                null);
    }

    /** The directory {@code name} (a path, or a Hub name looked up under {@code refs} and beside {@code dir}). */
    static Path resolve(Path dir, Path refs, String name, String key) {
        List<Path> tried = new ArrayList<>();
        Path direct = Path.of(name);
        if (direct.isAbsolute()) {
            tried.add(direct);
        } else {
            if (refs != null) {
                tried.add(refs.resolve(name));
            }
            tried.add(dir.resolve(name));
            tried.add(dir.resolveSibling(name));
        }
        for (Path p : tried) {
            if (Files.isRegularFile(p.resolve("config.json")) || Files.isRegularFile(p.resolve("tokenizer.json"))) {
                return p;
            }
        }
        throw new ConfigException(dir + ": " + key + " names " + name + ", found in none of " + tried
                + " (give the folder that holds the referenced models: they are not stored in a DPA checkpoint)");
    }
}
