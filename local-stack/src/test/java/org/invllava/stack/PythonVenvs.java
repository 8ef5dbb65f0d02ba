package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Virtual environments of Debian's {@code /usr/bin/python3} under {@code target/} for the tests that run real Python
 * clients: made once, packages installed from pip (the machine's package mirror); a test is skipped with a message
 * where that Python or its venv module is missing, and fails where pip cannot install what it needs.
 */
final class PythonVenvs {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    private PythonVenvs() {}

    /**
     * {@code target/<name>}'s Python, with {@code modules} importable ({@code packages}: what pip installs for them);
     * {@code systemPackages}: the venv also sees Debian's packages (e.g. python3-confluent-kafka).
     */
    static Path venv(String name, boolean systemPackages, List<String> modules, List<String> packages)
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + ": skipping the Python client test");
        Path venv = Path.of("target", name).toAbsolutePath();
        Path python = venv.resolve("bin/python");
        if (!Files.isExecutable(python)) {
            List<String> make = new ArrayList<>(List.of(PYTHON.toString(), "-m", "venv"));
            if (systemPackages) {
                make.add("--system-site-packages");
            }
            make.add(venv.toString());
            assumeTrue(
                    run(make) == 0,
                    "python3 -m venv does not work here (python3-venv missing; .ci/run installs it): "
                            + "skipping the Python client test");
        }
        List<String> imports =
                new ArrayList<>(List.of(python.toString(), "-c", "import " + String.join(", ", modules)));
        if (run(imports) != 0) {
            List<String> pip = new ArrayList<>(
                    List.of(python.toString(), "-m", "pip", "install", "-q", "--retries", "1", "--timeout", "20"));
            pip.addAll(packages);
            assertEquals(0, run(pip), "pip install " + packages);
        }
        return python;
    }

    /** Runs {@code command}, its output discarded; its exit code (-1 after 5 minutes). */
    static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor(5, TimeUnit.MINUTES) ? p.exitValue() : -1;
    }
}
