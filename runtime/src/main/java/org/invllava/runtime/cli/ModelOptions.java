package org.invllava.runtime.cli;

import java.nio.file.Path;
import org.invllava.runtime.model.ModelPaths;
import picocli.CommandLine.Option;

/** The three model directories, shared by every command that loads a model (a picocli mixin). */
public final class ModelOptions {
    @Option(names = "--vision-model", description = "CLIP checkpoint directory")
    Path vision;
    @Option(names = "--language-model", description = "LLaMA/Vicuna checkpoint directory (with tokenizer.model)")
    Path language;
    @Option(names = "--fusion-checkpoint", description = "Inverse-LLaVA release bundle directory")
    Path fusion;

    /** The paths, or null when none was given; giving only some is an error. */
    public ModelPaths pathsOrNull() {
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
}
