package org.invllava.evaluation.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Where a question's image comes from; read only when the question is asked (benchmarks hold many). */
@FunctionalInterface
public interface ImageSource {
    /** The encoded image (PNG, JPEG), or null for a text-only question. */
    byte[] read() throws IOException;

    static ImageSource file(Path path) {
        return () -> {
            if (!Files.isRegularFile(path)) {
                throw new IOException(path + ": image file not found");
            }
            return Files.readAllBytes(path);
        };
    }

    static ImageSource base64(String encoded) {
        return () -> Base64.getMimeDecoder().decode(encoded);
    }

    static ImageSource none() {
        return () -> null;
    }
}
