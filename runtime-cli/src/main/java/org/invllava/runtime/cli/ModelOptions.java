package org.invllava.runtime.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import picocli.CommandLine.Option;

/**
 * The model directories, shared by every command that loads a model (a picocli mixin): Inverse-LLaVA's three, a
 * LLaVA-1.5 checkpoint (plus its CLIP directory for the original release), a DPA checkpoint.
 */
public final class ModelOptions {
    private static final ModelSource.Names NAMES = new ModelSource.Names(
            "--llava-model", "--vision-model", "--language-model", "--fusion-checkpoint", "--dpa-model", "--dpa-refs");

    @Option(
            names = "--vision-model",
            description = "CLIP checkpoint directory (Inverse-LLaVA, or the original LLaVA-1.5 release)")
    Path vision;

    @Option(
            names = "--llava-model",
            description = "LLaVA-1.5 checkpoint directory, as downloaded (llava-hf or the original release)")
    Path llava;

    @Option(names = "--language-model", description = "LLaMA/Vicuna checkpoint directory (with tokenizer.model)")
    Path language;

    @Option(names = "--fusion-checkpoint", description = "Inverse-LLaVA release bundle directory")
    Path fusion;

    @Option(
            names = "--dpa-model",
            description = "DPA checkpoint directory, single or separated layout (docs/models.md); its vision side runs "
                    + "in float32, --dtype and --weights apply to the thinker")
    Path dpa;

    @Option(
            names = "--dpa-refs",
            description = "folder holding the models a DPA checkpoint names by reference (<org>/<name>/ as downloaded: "
                    + "Qwen/Qwen2.5-VL-3B-Instruct, Qwen/Qwen3-4B, the perceiver LLM); default: beside the checkpoint")
    Path dpaRefs;

    private ModelPaths inverseOrNull() {
        boolean any = vision != null || language != null || fusion != null;
        if (any && (vision == null || language == null || fusion == null)) {
            throw new IllegalArgumentException(
                    "give all of --vision-model, --language-model and --fusion-checkpoint, or none");
        }
        return any ? new ModelPaths(vision, language, fusion) : null;
    }

    /**
     * What {@code serve} serves, the default first: Inverse-LLaVA (the three directories), LLaVA-1.5
     * ({@code --llava-model}) and/or DPA ({@code --dpa-model}); none given means the bundled demo model (an empty list).
     * With Inverse-LLaVA and LLaVA-1.5, {@code --vision-model} is Inverse-LLaVA's CLIP, and also the original LLaVA
     * release's (llava-hf carries its own tower).
     */
    public List<ModelSource> servedModels() {
        List<ModelSource> out = new ArrayList<>();
        boolean inverse = language != null || fusion != null || (vision != null && llava == null);
        if (inverse) {
            ModelPaths p = inverseOrNull();
            if (p == null || llava != null && (language == null || fusion == null)) {
                throw new IllegalArgumentException(
                        "give all of --vision-model, --language-model and --fusion-checkpoint");
            }
            out.add(new ModelSource.InverseLlava(p));
        }
        if (llava != null) {
            boolean original = LlavaConfig.load(llava.resolve("config.json")).layout() == LlavaConfig.Layout.ORIGINAL;
            out.add(new ModelSource.Llava(new LlavaPaths(llava, inverse && !original ? null : vision)));
        }
        if (dpa != null) {
            out.add(new ModelSource.Dpa(dpa, dpaRefs));
        } else if (dpaRefs != null) {
            throw new IllegalArgumentException("--dpa-refs goes with --dpa-model");
        }
        return out;
    }

    /**
     * As {@link #source()}, or null when no model option was given (the caller's default: the bundled demo, or the
     * demo shape with random weights).
     */
    public ModelSource sourceOrNull() {
        boolean any =
                llava != null || vision != null || language != null || fusion != null || dpa != null || dpaRefs != null;
        return any ? source() : null;
    }

    /** Inverse-LLaVA from the three directories, LLaVA-1.5 from {@code --llava-model} or DPA (one of them). */
    public ModelSource source() {
        return ModelSource.of(new ModelSource.Dirs(llava, vision, language, fusion, dpa, dpaRefs), NAMES);
    }
}
