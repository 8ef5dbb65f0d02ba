package org.invllava.runtime.nn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a JNI library the build put on the classpath (src/main/c/build.sh), where a C compiler was present; once per
 * process (a second copy would have statics of its own).
 */
public final class NativeLibrary {
    private static final String FOLDER = "/org/invllava/runtime/nn/native/linux-x86_64/";
    private static final Map<String, Optional<String>> LOADED = new ConcurrentHashMap<>();

    private NativeLibrary() {}

    /** Loads {@code lib<name>.so} from the classpath (once); why it cannot be used, or empty when it is loaded. */
    public static Optional<String> load(String name) {
        return LOADED.computeIfAbsent(name, NativeLibrary::loadOnce);
    }

    private static Optional<String> loadOnce(String name) {
        String resource = FOLDER + "lib" + name + ".so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.of("this build has no " + name + " library (no C compiler when it was built)");
            }
            Path file = Files.createTempFile(name, ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toString());
            return Optional.empty();
        } catch (IOException | UnsatisfiedLinkError e) {
            return Optional.of("the " + name + " library does not load: " + e.getMessage());
        }
    }
}
