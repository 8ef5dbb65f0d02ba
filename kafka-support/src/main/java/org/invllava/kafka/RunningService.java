package org.invllava.kafka;

import org.invllava.observability.Metrics;

/** A started service: whether it is ready for traffic, its metrics, and how to stop it. */
public interface RunningService extends AutoCloseable {
    boolean ready();

    Metrics metrics();

    /** Wraps the parts of a started service. */
    static RunningService of(java.util.function.BooleanSupplier ready, Metrics metrics, AutoCloseable stop) {
        return new RunningService() {
            @Override
            public boolean ready() {
                return ready.getAsBoolean();
            }

            @Override
            public Metrics metrics() {
                return metrics;
            }

            @Override
            public void close() throws Exception {
                stop.close();
            }
        };
    }
}
