package org.invllava.host;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The services' packaged Quarkus apps ({@code <module>/target/quarkus-app/quarkus-run.jar}, what the container images
 * hold): the one way a service starts, whether in Kubernetes, under {@code serve} or {@code chaos}, or in a test.
 */
public enum PackagedApp {
    VISION("vision-encoder-svc"),
    FUSION("fusion-llm-svc"),
    GATEWAY("gateway");

    /** Where the project is checked out, if not found from the working directory or the running jar. */
    public static final String HOME_PROPERTY = "inverse-llava.home";

    private final String module;

    PackagedApp(String module) {
        this.module = module;
    }

    public String module() {
        return module;
    }

    /** The app's runnable jar; an error saying how to build it when it is missing. */
    public Path jar() {
        Path jar = home().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is not built: run ./mvnw -B -DskipTests -pl local-stack -am package");
        }
        return jar;
    }

    /**
     * The command line that runs it with {@code jvmOptions}: this JVM's {@code java}, DJL offline, the app's jar.
     */
    public List<String> command(List<String> jvmOptions) {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dai.djl.offline=true", "-jar", jar().toString()));
        return command;
    }

    /** Whether the app's jar is built. */
    public boolean built() {
        try {
            jar();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * The checkout holding the apps: {@value #HOME_PROPERTY} (or {@code INVERSE_LLAVA_HOME}), else the nearest folder
     * above the working directory or the running jar that has a {@code gateway} module.
     */
    static Path home() {
        String given = System.getProperty(HOME_PROPERTY, System.getenv("INVERSE_LLAVA_HOME"));
        if (given != null && !given.isBlank()) {
            return Path.of(given).toAbsolutePath().normalize();
        }
        List<Path> starts = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        try {
            starts.add(Path.of(PackagedApp.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: the working directory alone
        }
        for (Path start : starts) {
            for (Path p = start.normalize(); p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve(GATEWAY.module).resolve("pom.xml"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find the project's checkout (the folder with gateway/pom.xml): set -D"
                + HOME_PROPERTY + " or INVERSE_LLAVA_HOME");
    }
}
