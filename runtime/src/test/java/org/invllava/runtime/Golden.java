package org.invllava.runtime;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.model.ModelPaths;

/**
 * Locates {@code ../shared/golden/tiny-inverse-llava} (and {@code tiny-llava-1.5}); tests that need them are
 * skipped when they are absent.
 */
public final class Golden {
    private Golden() {}

    /** The golden case directory, or a skipped test with a message saying where it was looked for. */
    public static Path tinyModel() {
        return golden("tiny-inverse-llava");
    }

    /** The LLaVA-1.5 golden case ({@code llava/} in the llava-hf layout, images, {@code expected.json}). */
    public static Path tinyLlava() {
        return golden("tiny-llava-1.5");
    }

    private static Path golden(String name) {
        Path dir = locate(name);
        assumeTrue(
                dir != null,
                "golden cases not found (set -Dgolden.dir or place shared/golden beside the repository); "
                        + "skipping golden tests");
        return dir;
    }

    public static ModelPaths paths() {
        Path d = tinyModel();
        return new ModelPaths(d.resolve("vision"), d.resolve("language"), d.resolve("inverse-llava"));
    }

    public static JsonNode expected() {
        return expected(tinyModel());
    }

    public static JsonNode expected(Path goldenCase) {
        try {
            return new ObjectMapper()
                    .readTree(goldenCase.resolve("expected.json").toFile());
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

    private static Path locate(String name) {
        String prop = System.getProperty("golden.dir");
        if (prop != null && Files.isDirectory(Path.of(prop, name))) {
            return Path.of(prop, name).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/golden").resolve(name);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = p.resolveSibling("shared").resolve("golden").resolve(name);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
