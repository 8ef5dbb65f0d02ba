package org.invllava.runtime.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;

/** The demo model the commands use when given no model: written once into a folder, then reused from there. */
public final class BundledDemoModel {
    private BundledDemoModel() {
    }

    /** The demo model's three directories under {@code dir}, writing them first when {@code dir} holds none. */
    public static ModelPaths in(Path dir) throws IOException {
        ModelPaths paths = new ModelPaths(dir.resolve("vision"), dir.resolve("language"), dir.resolve("inverse-llava"));
        if (Files.isRegularFile(paths.fusion().resolve("COMPLETE"))) {
            return paths;
        }
        return new DemoModelFactory(ModelShape.tiny(), DType.F32, 7).write(dir);
    }
}
