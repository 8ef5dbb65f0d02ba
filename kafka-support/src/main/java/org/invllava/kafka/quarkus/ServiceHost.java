package org.invllava.kafka.quarkus;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.invllava.kafka.RunningService;
import org.invllava.observability.Metrics;

/**
 * Quarkus packaging of a service: starts it at start-up with Quarkus' meter registry (Micrometer, served at
 * {@code /q/metrics} with the JVM's and HTTP server's meters), stops it at shutdown; {@link HostReadiness} and
 * {@link HostLiveness} report its readiness and liveness through SmallRye Health. Subclasses (one per service, an
 * {@code @ApplicationScoped} bean) only say how to start the service.
 */
public abstract class ServiceHost {
    @Inject
    MeterRegistry registry;

    private volatile RunningService running;

    /** Starts the service from the environment, its meters in {@code metrics}. */
    protected abstract RunningService start(Metrics metrics) throws Exception;

    void onStart(@Observes StartupEvent event) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        running = start(metrics());
    }

    /** Quarkus' meter registry, as the services take it. */
    protected Metrics metrics() {
        return new Metrics(registry);
    }

    void onStop(@Observes ShutdownEvent event) throws Exception {
        if (running != null) {
            running.close();
        }
    }

    /** Through a method: health checks hold a client proxy, whose fields are not the bean's. */
    public boolean ready() {
        RunningService r = running;
        return r != null && r.ready();
    }

    /** Alive until the started service says it is broken for good (before it has started too: that is startup). */
    public boolean live() {
        RunningService r = running;
        return r == null || r.live();
    }
}
