package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chaos}: the fault drill of {@link ChaosRun}, on the demo model; exit status 1 if anything was lost. */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = "Start a broker and the services as processes, stream many answers, kill -9 and restart random "
                + "services (and the broker once) meanwhile; report lost, duplicated and differing answers, the "
                + "client-visible gap and tokens written vs delivered.")
final class ChaosCommand implements Callable<Integer> {
    @Option(
            names = "--requests",
            defaultValue = "120",
            description = "concurrent streaming clients (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "200", description = "tokens per answer (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(
            names = "--instances",
            defaultValue = "2",
            description = "processes of each service (default: ${DEFAULT-VALUE})")
    int instances;

    @Option(
            names = "--kills",
            defaultValue = "8",
            description = "service processes killed (-9) and restarted (default: ${DEFAULT-VALUE})")
    int kills;

    @Option(
            names = "--kill-every-ms",
            defaultValue = "3000",
            description = "time between two kills (default: ${DEFAULT-VALUE})")
    long killEveryMs;

    @Option(
            names = "--victims",
            split = ",",
            defaultValue = "vision,fusion,gateway",
            description = "which services may be killed (comma-separated) (default: ${DEFAULT-VALUE})")
    java.util.Set<ServiceCommand.Kind> victims;

    @Option(
            names = "--broker-restarts",
            defaultValue = "1",
            description =
                    "times the broker is stopped and started again, spread over the kills (default: ${DEFAULT-VALUE})")
    int brokerRestarts;

    @Option(names = "--broker-kill", description = "kill -9 the broker instead of stopping it cleanly")
    boolean brokerKill;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "which services are killed, sampling seeds, images (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--time-limit-s",
            defaultValue = "600",
            description = "clients give up after this (default: ${DEFAULT-VALUE})")
    long timeLimit;

    @Option(names = "--work-dir", description = "model, broker log and service logs (default: a temporary folder)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("inverse-llava-chaos");
        ChaosRun.Report r = new ChaosRun(
                        new ChaosRun.Plan(
                                instances,
                                instances,
                                instances,
                                requests,
                                maxTokens,
                                kills,
                                Duration.ofMillis(killEveryMs),
                                victims,
                                brokerRestarts,
                                brokerKill,
                                seed,
                                Duration.ofSeconds(timeLimit)),
                        work,
                        System.out)
                .run();
        r.print(System.out);
        return r.lost() + r.duplicatedTokens() + r.differing() == 0 ? 0 : 1;
    }
}
