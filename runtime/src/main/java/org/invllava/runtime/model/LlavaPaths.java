package org.invllava.runtime.model;

import java.nio.file.Path;

/**
 * Where a LLaVA-1.5 checkpoint lies: its directory as downloaded, and for the original release (whose
 * {@code mm_vision_tower} names a hub id) the CLIP directory; null for llava-hf, which carries its tower.
 */
public record LlavaPaths(Path model, Path vision) {
    public LlavaPaths {
        if (model == null) {
            throw new IllegalArgumentException("a LLaVA-1.5 checkpoint directory is required");
        }
    }
}
