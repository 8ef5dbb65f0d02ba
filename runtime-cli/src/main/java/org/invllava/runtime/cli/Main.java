package org.invllava.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code inverse-llava}: the model runtime from the command line. */
@Command(
        name = "inverse-llava",
        mixinStandardHelpOptions = true,
        version = "inverse-llava 0.1.0",
        description = "Inverse-LLaVA inference on the DJL PyTorch engine.",
        subcommands = {
            GenerateCommand.class,
            CompareCommand.class,
            BenchCommand.class,
            ServingBenchCommand.class,
            AccuracyCommand.class,
            DemoModelCommand.class
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: errors print one line on stderr and give a non-zero code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The CLI with its error handling, for launchers that add commands (the local stack adds {@code serve}). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + oneLine(e));
            return 1;
        });
        return cli;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
