package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.invllava.runtime.config.ConfigException;
import org.invllava.runtime.weights.WeightException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release bundle is refused unless complete and intact, with an error naming the file. */
class ReleaseBundleTest {
    @TempDir
    Path tmp;

    private Path bundle;

    @BeforeEach
    void copy() throws IOException {
        bundle = GoldenCopies.copy(tmp).fusion();
    }

    @Test
    void intactBundleOpens() {
        ReleaseBundle b = ReleaseBundle.open(bundle);
        assertEquals(bundle.resolve("model_delta.safetensors"), b.weights());
        assertEquals(4, b.config().model().adaptation().rank());
        assertEquals(2.0, b.config().model().adaptation().scale());
    }

    @Test
    void withoutCompleteIsRefused() throws IOException {
        Files.delete(bundle.resolve("COMPLETE"));
        WeightException e = assertThrows(WeightException.class, () -> ReleaseBundle.open(bundle));
        assertTrue(e.getMessage().contains("COMPLETE"), e.getMessage());
    }

    @Test
    void wrongChecksumLineNamesTheFile() throws IOException {
        Path sums = bundle.resolve("checksums.sha256");
        String text = Files.readString(sums);
        Files.writeString(sums, text.replace("032d8744", "132d8744"));
        WeightException e = assertThrows(WeightException.class, () -> ReleaseBundle.open(bundle));
        assertTrue(
                e.getMessage().contains("model_delta.safetensors")
                        && e.getMessage().contains("does not match"),
                e.getMessage());
    }

    @Test
    void tamperedWeightsFailTheChecksum() throws IOException {
        Path w = bundle.resolve("model_delta.safetensors");
        byte[] bytes = Files.readAllBytes(w);
        bytes[bytes.length - 1] ^= 1;
        Files.write(w, bytes);
        WeightException e = assertThrows(WeightException.class, () -> ReleaseBundle.open(bundle));
        assertTrue(e.getMessage().contains("model_delta.safetensors"), e.getMessage());
    }

    @Test
    void malformedChecksumLineIsRefused() throws IOException {
        Files.writeString(bundle.resolve("checksums.sha256"), "not-a-sha  model_delta.safetensors\n");
        WeightException e = assertThrows(WeightException.class, () -> ReleaseBundle.open(bundle));
        assertTrue(e.getMessage().contains("malformed line"), e.getMessage());
    }

    @Test
    void missingRequiredConfigFieldIsAClearError() throws IOException {
        Path cfg = bundle.resolve(ReleaseBundle.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"feature_layers\"", "\"feature_layerz\""));
        rewriteChecksum(ReleaseBundle.CONFIG);
        ConfigException e = assertThrows(ConfigException.class, () -> ReleaseBundle.open(bundle));
        assertTrue(e.getMessage().contains("feature_layers is required"), e.getMessage());
    }

    private void rewriteChecksum(String file) throws IOException {
        Path sums = bundle.resolve("checksums.sha256");
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(sums)) {
            out.append(line.endsWith("  " + file) ? ReleaseBundle.sha256(bundle.resolve(file)) + "  " + file : line)
                    .append('\n');
        }
        Files.writeString(sums, out);
    }
}
