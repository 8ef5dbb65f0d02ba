package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chaos}: the fault drill of {@link ChaosRun}, on the demo model; exit status 1 if anything was lost. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Start a broker and the services as processes, stream many answers, kill -9 and restart random "
                + "services (and the broker once) meanwhile; report lost, duplicated and differing answers, the "
                + "client-visible gap and tokens written vs delivered.")
final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--requests", defaultValue = "120", description = "concurrent streaming clients")
    int requests;
    @Option(names = "--max-tokens", defaultValue = "200", description = "tokens per answer")
    int maxTokens;
    @Option(names = "--instances", defaultValue = "2", description = "processes of each service")
    int instances;
    @Option(names = "--kills", defaultValue = "8", description = "service processes killed (-9) and restarted")
    int kills;
    @Option(names = "--kill-every-ms", defaultValue = "3000", description = "time between two kills")
    long killEveryMs;
    @Option(names = "--victims", split = ",", defaultValue = "vision,fusion,gateway",
            description = "which services may be killed (comma-separated)")
    java.util.Set<ServiceCommand.Kind> victims;
    @Option(names = "--no-broker-restart", description = "do not restart the broker halfway")
    boolean noBrokerRestart;
    @Option(names = "--seed", defaultValue = "1", description = "which services are killed, sampling seeds, images")
    long seed;
    @Option(names = "--time-limit-s", defaultValue = "600", description = "clients give up after this")
    long timeLimit;
    @Option(names = "--work-dir", description = "model, broker log and service logs (default: a temporary folder)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("inverse-llava-chaos");
        ChaosRun.Report r = new ChaosRun(new ChaosRun.Plan(instances, instances, instances, requests, maxTokens, kills,
                Duration.ofMillis(killEveryMs), victims, !noBrokerRestart, seed, Duration.ofSeconds(timeLimit)), work, System.out).run();
        r.print(System.out);
        return r.lost() + r.duplicatedTokens() + r.differing() == 0 ? 0 : 1;
    }
}
