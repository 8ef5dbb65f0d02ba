package org.invllava.stack;

import java.util.concurrent.Callable;
import org.invllava.fusion.svc.FusionLlmStartup;
import org.invllava.gateway.GatewayStartup;
import org.invllava.gateway.server.GatewayServer;
import org.invllava.kafka.Env;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.vision.svc.VisionEncoderStartup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code service vision|fusion|gateway}: one service alone in this JVM, configured by the same environment
 * variables as its Quarkus app (docs/operations.md) and started through the same start path, without Quarkus (no
 * probe port; the gateway serves {@code /q/health/*} and {@code /q/metrics} on its API port). Runs until stopped.
 */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Run one service (vision, fusion or gateway) configured by environment variables, until stopped.")
final class ServiceCommand implements Callable<Integer> {
    enum Kind { vision, fusion, gateway }

    @Parameters(index = "0", description = "vision, fusion or gateway")
    Kind kind;

    @Override
    public Integer call() throws Exception {
        Env env = new Env(System::getenv);
        Metrics metrics = new Metrics();
        AutoCloseable running = switch (kind) {
            case vision -> VisionEncoderStartup.start(VisionEncoderStartup.settings(env), metrics, Tracing.off());
            case fusion -> FusionLlmStartup.start(FusionLlmStartup.settings(env), metrics, Tracing.off());
            case gateway -> {
                GatewayServer server = new GatewayServer(GatewayStartup.config(env), metrics, () -> true);
                System.out.println("gateway listening on port " + server.start());
                yield server;
            }
        };
        System.out.println(kind + " started");
        Lifecycle.runUntilShutdown(running);
        return 0;
    }
}
