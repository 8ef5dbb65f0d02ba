package org.invllava.vision.svc;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.invllava.kafka.Env;
import org.invllava.kafka.RunningService;

/**
 * Quarkus packaging of the vision encoder: starts {@link VisionEncoderMain} from the environment at start-up, stops it at shutdown;
 * readiness through SmallRye Health ({@code /q/health/ready}), metrics at {@code /q/metrics}.
 */
@ApplicationScoped
public class VisionEncoderApp {
    private volatile RunningService running;

    void onStart(@Observes StartupEvent event) throws Exception {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        running = VisionEncoderMain.start(Env.system(), false);
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

    /** Through a method: the health check holds a client proxy, whose fields are not the bean's. */
    boolean ready() {
        RunningService r = running;
        return r != null && r.ready();
    }

    /** Ready once the service consumes (and, for the fusion LLM, its Streams join runs). */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @jakarta.inject.Inject
        VisionEncoderApp app;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("vision-encoder").status(app.ready()).build();
        }
    }
}
