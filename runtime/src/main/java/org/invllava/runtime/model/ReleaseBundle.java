package org.invllava.runtime.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.weights.WeightException;

/**
 * An Inverse-LLaVA release bundle: refused without {@code COMPLETE}; every {@code checksums.sha256}
 * line ({@code <sha256>  <file>}) is verified, and the weights file must be among them.
 */
public record ReleaseBundle(Path dir, InverseLlavaConfig config) {
    public static final String CONFIG = "inverse_llava_config.json";

    public static ReleaseBundle open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new WeightException(dir + ": Inverse-LLaVA bundle directory does not exist");
        }
        if (!Files.isRegularFile(dir.resolve("COMPLETE"))) {
            throw new WeightException(dir + ": bundle has no COMPLETE marker (incomplete download?)");
        }
        Map<String, String> sums = readChecksums(dir.resolve("checksums.sha256"));
        InverseLlavaConfig config = InverseLlavaConfig.load(dir.resolve(CONFIG));
        if (!sums.containsKey(config.weights())) {
            throw new WeightException(dir.resolve("checksums.sha256") + ": no checksum for " + config.weights());
        }
        sums.forEach((file, expected) -> {
            String actual = sha256(dir.resolve(file));
            if (!actual.equalsIgnoreCase(expected)) {
                throw new WeightException(dir.resolve(file) + ": SHA-256 " + actual
                        + " does not match checksums.sha256 (" + expected + ")");
            }
        });
        return new ReleaseBundle(dir, config);
    }

    public Path weights() {
        return dir.resolve(config.weights());
    }

    static Map<String, String> readChecksums(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read checksums: " + e.getMessage(), e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split("\\s+\\*?", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-fA-F]{64}") || parts[1].contains("..")) {
                throw new WeightException(file + ": malformed line: " + line);
            }
            out.put(parts[1], parts[0]);
        }
        return out;
    }

    /**
     * Completes a bundle written into {@code dir}: {@code COMPLETE}, then {@code checksums.sha256} over it and
     * {@code files} (the config, the weights, any metadata).
     */
    public static void seal(Path dir, List<String> files) throws IOException {
        Files.writeString(dir.resolve("COMPLETE"), "complete\n");
        StringBuilder sums = new StringBuilder();
        for (String file : Stream.concat(Stream.of("COMPLETE"), files.stream()).toList()) {
            sums.append(sha256(dir.resolve(file))).append("  ").append(file).append('\n');
        }
        Files.writeString(dir.resolve("checksums.sha256"), sums);
    }

    public static String sha256(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new WeightException(file + ": listed in checksums.sha256 but missing");
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new WeightException(file + ": cannot hash: " + e.getMessage(), e);
        }
    }
}
