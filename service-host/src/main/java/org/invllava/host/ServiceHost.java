package org.invllava.host;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/**
 * Quarkus packaging of a service: starts it at start-up with Quarkus' meter registry (Micrometer, served at
 * {@code /q/metrics} with the JVM's and HTTP server's meters) and OpenTelemetry, stops it at shutdown; {@link HostReadiness} and
 * {@link HostLiveness} report its readiness and liveness through SmallRye Health. Subclasses (one per service, an
 * {@code @ApplicationScoped} bean) only say how to start the service.
 */
public abstract class ServiceHost {
    @Inject
    MeterRegistry registry;

    @Inject
    Instance<OpenTelemetry> openTelemetry;

    private volatile RunningService running;

    /** Starts the service from the environment, its meters in {@code metrics}, its spans through {@code tracing}. */
    protected abstract RunningService start(Metrics metrics, Tracing tracing) throws Exception;

    void onStart(@Observes StartupEvent event) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (ConfigProvider.getConfig()
                .getOptionalValue(ParentWatch.PROPERTY, Boolean.class)
                .orElse(false)) {
            ParentWatch.start(System.in, Quarkus::asyncExit);
        }
        running = start(metrics(), tracing());
    }

    /** Quarkus' OpenTelemetry (its SDK is off unless {@code QUARKUS_OTEL_SDK_DISABLED=false}), as the services take it. */
    protected Tracing tracing() {
        return openTelemetry.isResolvable() ? Tracing.of(openTelemetry.get()) : Tracing.off();
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
