package org.invllava.runtime.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.invllava.runtime.model.LlavaHfWriter;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.SafetensorsWriter;

/**
 * A random-weight LLaVA-1.5 checkpoint as llava-hf ships one ({@link LlavaHfWriter}), with the demo Inverse-LLaVA's
 * tower and LLaMA shapes and an {@code mlp2x_gelu} projector: for the demo stack serving both models and for tests
 * on a fresh clone. Its answers are noise.
 */
public final class DemoLlavaFactory {
    private final ModelShape s;
    private final DType dtype;
    private final long seed;

    public DemoLlavaFactory(ModelShape shape, DType dtype, long seed) {
        this.s = shape;
        this.dtype = dtype;
        this.seed = seed;
    }

    /** Writes the checkpoint into {@code dir} (created) and returns it. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path parts = Files.createTempDirectory(dir, ".parts");
        try {
            DemoModelFactory demo = new DemoModelFactory(s, dtype, seed);
            demo.writeVision(parts.resolve("vision"));
            demo.writeLanguage(parts.resolve("language"));
            SafetensorsWriter w = new SafetensorsWriter();
            Checkpoint.open(parts.resolve("language"))
                    .tensors()
                    .forEach((name, t) -> w.addCopy(LlavaHfWriter.LANGUAGE + name, t));
            demo.random(w, LlavaHfWriter.PROJECTOR + "linear_1.weight", s.hidden(), s.clipHidden());
            demo.random(w, LlavaHfWriter.PROJECTOR + "linear_1.bias", s.hidden());
            demo.random(w, LlavaHfWriter.PROJECTOR + "linear_2.weight", s.hidden(), s.hidden());
            demo.random(w, LlavaHfWriter.PROJECTOR + "linear_2.bias", s.hidden());
            LlavaHfWriter.write(
                    dir, parts.resolve("vision"), parts.resolve("language"), w, LlavaHfWriter.LLAVA_FEATURE_LAYER);
        } finally {
            try (Stream<Path> files = Files.walk(parts)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        return dir;
    }
}
