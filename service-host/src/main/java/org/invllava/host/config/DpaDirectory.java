package org.invllava.host.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code DPA_MODEL_DIR} (a DPA checkpoint, either layout) and {@code DPA_REFS_DIR} (the folder of the models it names
 * by reference; default: beside the checkpoint). Set instead of the other families' directories.
 */
public interface DpaDirectory extends ModelDirectory {
    Optional<String> refsDir();

    /** The references' folder, or null when it is not set. */
    default Path refsPath() {
        return refsDir().map(Path::of).orElse(null);
    }
}
