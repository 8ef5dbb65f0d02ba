package org.invllava.kafka;

import org.invllava.observability.Metrics;

/**
 * A started service: whether it is ready for traffic, whether it is alive (false: broken for good, to be restarted),
 * its metrics, and how to stop it.
 */
public interface RunningService extends AutoCloseable {
    boolean ready();

    boolean live();

    Metrics metrics();

    /** Wraps the parts of a started service that stays alive while it runs. */
    static RunningService of(java.util.function.BooleanSupplier ready, Metrics metrics, AutoCloseable stop) {
        return of(ready, () -> true, metrics, stop);
    }

    /** Wraps the parts of a started service. */
    static RunningService of(java.util.function.BooleanSupplier ready, java.util.function.BooleanSupplier live,
                             Metrics metrics, AutoCloseable stop) {
        return new RunningService() {
            @Override
            public boolean ready() {
                return ready.getAsBoolean();
            }

            @Override
            public boolean live() {
                return live.getAsBoolean();
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
