package org.invllava.runtime;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.model.ModelPaths;

/** Locates {@code ../shared/golden/tiny-inverse-llava}; tests that need it are skipped when it is absent. */
public final class Golden {
    private Golden() {
    }

    /** The golden case directory, or a skipped test with a message saying where it was looked for. */
    public static Path tinyModel() {
        Path dir = locate();
        assumeTrue(dir != null, "golden cases not found (set -Dgolden.dir or place shared/golden beside the repository); "
                + "skipping golden tests");
        return dir;
    }

    public static ModelPaths paths() {
        Path d = tinyModel();
        return new ModelPaths(d.resolve("vision"), d.resolve("language"), d.resolve("inverse-llava"));
    }

    public static JsonNode expected() {
        try {
            return new ObjectMapper().readTree(tinyModel().resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static Path locate() {
        String prop = System.getProperty("golden.dir");
        if (prop != null && Files.isDirectory(Path.of(prop, "tiny-inverse-llava"))) {
            return Path.of(prop, "tiny-inverse-llava").toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/golden/tiny-inverse-llava");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = p.resolveSibling("shared").resolve("golden/tiny-inverse-llava");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
