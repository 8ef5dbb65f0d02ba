package org.invllava.evaluation.runner;

import java.io.PrintStream;

/**
 * A progress line on stderr: a bar, done/total, rate and ETA, redrawn in place on a terminal; on a pipe or in CI a
 * plain line every 10%.
 */
public final class Progress {
    private final PrintStream out;
    private final String title;
    private final int total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private int lastDecile = -1;
    private long lastDraw;

    public Progress(PrintStream out, String title, int total, boolean terminal) {
        this.out = out;
        this.title = title;
        this.total = total;
        this.terminal = terminal;
    }

    /** On stderr, redrawn in place when a console is attached and CI is not set. */
    public static Progress onStderr(String title, int total) {
        return new Progress(System.err, title, total, redrawable());
    }

    /** Whether stderr is a console a line can be redrawn on (and CI is not set). */
    public static boolean redrawable() {
        return System.console() != null && System.getenv("CI") == null;
    }

    public synchronized void update(int done, int errors) {
        long now = System.nanoTime();
        int decile = total == 0 ? 10 : done * 10 / total;
        if (terminal ? now - lastDraw < 100_000_000L && done < total : decile == lastDecile) {
            return;
        }
        lastDraw = now;
        lastDecile = decile;
        out.print((terminal ? "\r" : "")
                + line(done, errors, (now - start) / 1e9)
                + (terminal && done < total ? "" : "\n"));
        out.flush();
    }

    String line(int done, int errors, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? duration((total - done) / rate) : "?";
        return String.format(
                "%s %s %d/%d  %.1f q/s  ETA %s%s",
                title, bar(done, total, 30), done, total, rate, eta, errors > 0 ? "  errors " + errors : "");
    }

    /** {@code [####......]}: {@code done} of {@code total} in {@code width} characters. */
    public static String bar(long done, long total, int width) {
        int filled = total == 0 ? width : (int) (done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** "3m07s", or "1h02m" from an hour. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
