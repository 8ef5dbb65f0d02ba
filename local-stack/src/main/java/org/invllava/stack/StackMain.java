package org.invllava.stack;

import org.invllava.evaluation.cli.EvalCommand;
import org.invllava.evaluation.cli.WorldCommand;
import org.invllava.runtime.cli.Main;
import org.invllava.training.TrainCommand;

/**
 * {@code bin/inverse-llava}: the runtime's commands ({@code generate}, {@code bench}) plus {@code serve},
 * {@code bench-pipeline}, {@code broker}, {@code tail}, {@code service}, {@code chaos}, {@code world}, {@code eval} and {@code train}.
 */
public final class StackMain {
    private StackMain() {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(Main.commandLine()
                .addSubcommand("serve", new ServeCommand())
                .addSubcommand("bench-pipeline", new PipelineBenchCommand())
                .addSubcommand("bench-bulk", new BulkBenchCommand())
                .addSubcommand("broker", new BrokerCommand())
                .addSubcommand("tail", new TailCommand())
                .addSubcommand("service", new ServiceCommand())
                .addSubcommand("chaos", new ChaosCommand())
                .addSubcommand("world", new WorldCommand())
                .addSubcommand("eval", new EvalCommand())
                .addSubcommand("train", new TrainCommand())
                .execute(args));
    }
}
