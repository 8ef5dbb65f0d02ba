package org.invllava.stack;

import java.util.List;
import java.util.concurrent.Callable;
import org.invllava.host.PackagedApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code service vision|fusion|gateway}: one service's packaged Quarkus app in the foreground, configured by this
 * process' environment variables (docs/operations.md), exactly as its container image runs it
 * ({@code java -jar <module>/target/quarkus-app/quarkus-run.jar}). Runs until stopped.
 */
@Command(
        name = "service",
        mixinStandardHelpOptions = true,
        description =
                "Run one service (vision, fusion or gateway), its packaged app configured by environment variables, "
                        + "until stopped.")
final class ServiceCommand implements Callable<Integer> {
    /** The services by the names the CLI uses. */
    enum Kind {
        vision(PackagedApp.VISION),
        fusion(PackagedApp.FUSION),
        gateway(PackagedApp.GATEWAY);

        private final PackagedApp app;

        Kind(PackagedApp app) {
            this.app = app;
        }

        PackagedApp app() {
            return app;
        }
    }

    @Parameters(index = "0", description = "vision, fusion or gateway")
    Kind kind;

    @Override
    public Integer call() throws Exception {
        Process p =
                new ProcessBuilder(kind.app().command(List.of())).inheritIO().start();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> { // SIGTERM reaches the app: its graceful stop
                            p.destroy();
                            try {
                                p.waitFor();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "stop-" + kind));
        return p.waitFor();
    }
}
