package org.invllava.runtime.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.invllava.runtime.model.ModelPaths;

/**
 * The demo model the commands use when given no model: the tiny Inverse-LLaVA trained on the synthetic
 * visual-QA world ({@code bin/inverse-llava train}, see docs/training.md), shipped in this jar (about 2.4 MB,
 * float32) and copied into a folder on first use. It answers questions about pictures of that world (coloured
 * shapes); about anything else its answers are not meaningful.
 */
public final class BundledDemoModel {
    private static final String ROOT = "/org/invllava/runtime/demo/trained/";
    private static final List<String> FILES = List.of(
            "vision/config.json",
            "vision/preprocessor_config.json",
            "vision/model.safetensors",
            "language/config.json",
            "language/tokenizer.model",
            "language/tokenizer_config.json",
            "language/model.safetensors",
            "inverse-llava/inverse_llava_config.json",
            "inverse-llava/model_delta.safetensors",
            "inverse-llava/metadata.json",
            "inverse-llava/checksums.sha256",
            "inverse-llava/COMPLETE");

    /** A question about {@link #samplePicture} the demo model answers ("blue"). */
    public static final String SAMPLE_QUESTION = "What color is the square?";

    private BundledDemoModel() {}

    /** A picture of the world the demo model was trained on (a blue square and a second shape), PNG. */
    public static byte[] samplePicture() {
        return resource("sample.png");
    }

    /** The demo model's three directories under {@code dir}, copied there first unless this version is already there. */
    public static ModelPaths in(Path dir) throws IOException {
        ModelPaths paths = new ModelPaths(dir.resolve("vision"), dir.resolve("language"), dir.resolve("inverse-llava"));
        Path sums = paths.fusion().resolve("checksums.sha256");
        if (Files.isRegularFile(paths.fusion().resolve("COMPLETE"))
                && Files.isRegularFile(sums)
                && Files.readString(sums, StandardCharsets.UTF_8)
                        .equals(new String(resource("inverse-llava/checksums.sha256"), StandardCharsets.UTF_8))) {
            return paths;
        }
        Files.deleteIfExists(paths.fusion().resolve("COMPLETE")); // an older or partial copy: replaced, COMPLETE last
        for (String file : FILES) {
            Path target = dir.resolve(file);
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, resource(file));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return paths;
    }

    private static byte[] resource(String file) {
        try (InputStream in = BundledDemoModel.class.getResourceAsStream(ROOT + file)) {
            if (in == null) {
                throw new IllegalStateException(ROOT + file + " is missing from the runtime jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
