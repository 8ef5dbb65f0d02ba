package org.invllava.host;

import java.util.function.BooleanSupplier;

/** A started service: whether it is ready for traffic, whether it is alive (false: broken for good, to be restarted), and how to stop it. */
public interface RunningService extends AutoCloseable {
    boolean ready();

    boolean live();

    /** Wraps the parts of a started service that stays alive while it runs. */
    static RunningService of(BooleanSupplier ready, AutoCloseable stop) {
        return of(ready, () -> true, stop);
    }

    /** Wraps the parts of a started service. */
    static RunningService of(BooleanSupplier ready, BooleanSupplier live, AutoCloseable stop) {
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
            public void close() throws Exception {
                stop.close();
            }
        };
    }
}
