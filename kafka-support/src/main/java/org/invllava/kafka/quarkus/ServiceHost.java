package org.invllava.kafka.quarkus;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import org.invllava.kafka.RunningService;

/**
 * Quarkus packaging of a service: starts it at start-up, stops it at shutdown, serves its metrics at
 * {@code /q/metrics}; {@link HostReadiness} and {@link HostLiveness} report its readiness and liveness. Subclasses (one per service, an
 * {@code @ApplicationScoped} bean) only say how to start the service.
 */
public abstract class ServiceHost {
    private volatile RunningService running;

    /** Starts the service from the environment; Quarkus serves health and metrics, so no probe server. */
    protected abstract RunningService start() throws Exception;

    void onStart(@Observes StartupEvent event) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        running = start();
    }

    void onStop(@Observes ShutdownEvent event) throws Exception {
        if (running != null) {
            running.close();
        }
    }

    void routes(@Observes Router router) {
        router.get("/q/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4")
                .end(running == null ? "" : running.metrics().scrape()));
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
