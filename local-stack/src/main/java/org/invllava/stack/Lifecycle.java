package org.invllava.stack;

import java.util.concurrent.CountDownLatch;

/** Keeps a service process alive until SIGTERM/SIGINT, then closes the service (graceful stop in Kubernetes). */
public final class Lifecycle {
    private Lifecycle() {}

    public static void runUntilShutdown(AutoCloseable service) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                service.close();
                            } catch (Exception e) {
                                System.err.println("error while stopping: " + e);
                            }
                            stopped.countDown();
                        },
                        "shutdown"));
        stopped.await();
    }
}
