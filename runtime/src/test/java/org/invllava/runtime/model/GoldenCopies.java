package org.invllava.runtime.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.invllava.runtime.Golden;

/** Writable copies of the golden model directories, for tests that damage or re-shard them. */
final class GoldenCopies {
    private GoldenCopies() {}

    /** Copies vision/, language/ and inverse-llava/ into {@code target} and returns their paths. */
    static ModelPaths copy(Path target) throws IOException {
        Path golden = Golden.tinyModel();
        for (String part : new String[] {"vision", "language", "inverse-llava"}) {
            Path to = Files.createDirectories(target.resolve(part));
            try (Stream<Path> files = Files.list(golden.resolve(part))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    to.resolve(f.getFileName()).toFile().setWritable(true);
                }
            }
        }
        return new ModelPaths(target.resolve("vision"), target.resolve("language"), target.resolve("inverse-llava"));
    }
}
