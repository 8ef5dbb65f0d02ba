package org.invllava.runtime.model;

import java.nio.file.Path;

/** The three directories of a deployment: CLIP, the base LLaMA/Vicuna, the Inverse-LLaVA bundle. */
public record ModelPaths(Path vision, Path language, Path fusion) {}
