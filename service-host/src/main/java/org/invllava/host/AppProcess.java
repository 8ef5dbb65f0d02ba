package org.invllava.host;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One service's {@link PackagedApp} as a process of its own, configured by environment variables exactly as in
 * Kubernetes; its output appended to a log file. Its health and metrics are on {@link #probePort()} (Quarkus'
 * {@code /q/health/*} and {@code /q/metrics}). It can be killed ({@code kill -9}) and started again with the same
 * settings, which is what a fault drill and the crash tests do.
 */
public final class AppProcess implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final PackagedApp app;
    private final String name;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final Path log;
    private final int probePort;
    private Process process;

    private AppProcess(PackagedApp app, String name, Map<String, String> env, List<String> jvmOptions, Path log) {
        this.app = app;
        this.name = name;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.log = log;
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("PROBE_HOST", "127.0.0.1");
        all.computeIfAbsent("PROBE_PORT", k -> Integer.toString(freePort()));
        all.putIfAbsent("APP_EXIT_WITH_PARENT", "true"); // it stops when this process is gone (ParentWatch)
        this.probePort = Integer.parseInt(all.get("PROBE_PORT"));
        this.env = Map.copyOf(all);
    }

    /**
     * {@code app} named {@code name} (its log is {@code logDir/name.log}), configured by {@code env} (a free probe
     * port when it sets no {@code PROBE_PORT}); not started yet.
     */
    public static AppProcess of(PackagedApp app, String name, Map<String, String> env, Path logDir) {
        return new AppProcess(app, name, env, List.of("-Xmx1g"), logDir.resolve(name + ".log"));
    }

    /** With these JVM options instead of the default heap limit. */
    public AppProcess withJvmOptions(List<String> options) {
        return new AppProcess(app, name, env, options, log);
    }

    /** Starts it (again, after {@link #kill}), with the same settings. */
    public AppProcess start() throws IOException {
        List<String> command = app.command(jvmOptions);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder b = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(env);
        b.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // one arena per thread grows the RSS (docs/weights.md)
        process = b.start();
        return this;
    }

    /** Starts it and waits until it reports ready. */
    public AppProcess startAndAwaitReady(Duration timeout) throws IOException, InterruptedException {
        start();
        awaitReady(timeout);
        return this;
    }

    /** Waits for {@code /q/health/ready}; an error with the end of its log when it exits or the time runs out. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        await("ready", this::ready, timeout);
    }

    /**
     * Waits until {@code condition} holds ({@code what}: for the error); an error with the end of its log when it
     * exits first or the time runs out.
     */
    public void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!alive()) {
                throw new IllegalStateException(
                        name + " exited (" + process.exitValue() + ") before it was " + what + ":\n" + logTail());
            }
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not " + what + " within " + timeout.toSeconds() + " s:\n" + logTail());
    }

    /** Whether it answers {@code /q/health/ready} with 200. */
    public boolean ready() {
        try {
            return get("/q/health/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A GET on its management port ({@code /q/health/ready}, {@code /q/metrics}). */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probePort + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code kill -9}: no shutdown hook, nothing flushed or committed. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public String name() {
        return name;
    }

    public PackagedApp app() {
        return app;
    }

    public int probePort() {
        return probePort;
    }

    public Path log() {
        return log;
    }

    /** The last lines of its log, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Asks it to stop (SIGTERM, as Kubernetes does) without waiting: {@link #close} waits. */
    public void terminate() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** A graceful stop (SIGTERM, as Kubernetes does), then {@code kill -9} after 20 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** Ports this JVM has handed out: free when asked, but bound later by a child (or the stack's broker). */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port free now (for a child's listener), never one handed out before by this JVM: between the answer and the
     * child's bind the port is free again, and the kernel may offer it twice (a DPA vision encoder's probe once got
     * the port of the stack's broker, which had not bound it yet).
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException("no free port", e);
            }
        }
        throw new IllegalStateException("no free port not handed out before");
    }
}
