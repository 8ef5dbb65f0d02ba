package org.invllava.host.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint directory setting ({@code <group>.model-dir}: {@code LLAVA_MODEL_DIR}, {@code VISION_MODEL_DIR},
 * {@code LANGUAGE_MODEL_DIR}); which of them a service needs depends on the model family (README, "Models").
 */
public interface ModelDirectory {
    Optional<String> modelDir();

    /** The directory, or null when it is not set. */
    default Path modelPath() {
        return modelDir().map(Path::of).orElse(null);
    }
}
