package org.invllava.host;

import java.io.IOException;
import java.io.InputStream;

/**
 * For a service started by another process ({@link AppProcess}, with {@code APP_EXIT_WITH_PARENT=true}): stops it when
 * that process is gone, which closes the service's standard input, so that a {@code serve} or a test JVM that is killed
 * ({@code kill -9}, no shutdown hook) leaves no service behind. Off by default: a container's standard input is empty.
 */
final class ParentWatch {
    /** The configuration property (variable {@code APP_EXIT_WITH_PARENT}) that turns it on. */
    static final String PROPERTY = "app.exit-with-parent";

    private ParentWatch() {}

    /** Reads {@code in} on a daemon thread until it ends, then runs {@code exit}. */
    static void start(InputStream in, Runnable exit) {
        Thread watch = new Thread(
                () -> {
                    try {
                        while (in.read() >= 0) { // nothing is sent: this returns at end of stream
                        }
                    } catch (IOException e) {
                        // a broken pipe is an end too
                    }
                    exit.run();
                },
                "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
