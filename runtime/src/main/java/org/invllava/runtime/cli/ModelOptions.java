package org.invllava.runtime.cli;

import java.nio.file.Path;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LlavaModel;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.MultimodalModel;
import picocli.CommandLine.Option;

/**
 * The model directories, shared by every command that loads a model (a picocli mixin): Inverse-LLaVA's three, or a
 * LLaVA-1.5 checkpoint (plus its CLIP directory for the original release).
 */
public final class ModelOptions {
    @Option(names = "--vision-model", description = "CLIP checkpoint directory (Inverse-LLaVA, or the original LLaVA-1.5 release)")
    Path vision;
    @Option(names = "--llava-model", description = "LLaVA-1.5 checkpoint directory, as downloaded (llava-hf or the original release)")
    Path llava;
    @Option(names = "--language-model", description = "LLaMA/Vicuna checkpoint directory (with tokenizer.model)")
    Path language;
    @Option(names = "--fusion-checkpoint", description = "Inverse-LLaVA release bundle directory")
    Path fusion;

    /** The paths, or null when none was given; giving only some is an error. */
    public ModelPaths pathsOrNull() {
        if (llava != null) {
            throw new IllegalArgumentException("--llava-model is not supported by this command (generate takes it)");
        }
        boolean any = vision != null || language != null || fusion != null;
        if (any && (vision == null || language == null || fusion == null)) {
            throw new IllegalArgumentException("give all of --vision-model, --language-model and --fusion-checkpoint, or none");
        }
        return any ? new ModelPaths(vision, language, fusion) : null;
    }

    /** The paths; all three options are required. */
    public ModelPaths paths() {
        ModelPaths p = pathsOrNull();
        if (p == null) {
            throw new IllegalArgumentException("--vision-model, --language-model and --fusion-checkpoint are required");
        }
        return p;
    }

    /** Inverse-LLaVA from the three directories, or LLaVA-1.5 from {@code --llava-model} (not both). */
    public MultimodalModel load(LoadOptions options) {
        if (llava == null) {
            return InverseLlavaModel.load(paths(), options);
        }
        if (language != null || fusion != null) {
            throw new IllegalArgumentException("give --llava-model or --language-model with --fusion-checkpoint, not both");
        }
        return LlavaModel.load(new LlavaPaths(llava, vision), options);
    }
}
