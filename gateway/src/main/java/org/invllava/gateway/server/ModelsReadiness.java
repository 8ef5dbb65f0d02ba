package org.invllava.gateway.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} of the gateway app says why: per served model, {@code ready} or what it lacks ("no fusion
 * LLM is running"); down while no model can answer (requests for such a model get 503 {@code not_ready} at once).
 */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {
    @Inject
    GatewayApp app;

    @Override
    public HealthCheckResponse call() {
        Gateway g = app.started();
        HealthCheckResponseBuilder r = HealthCheckResponse.named("models");
        if (g == null) {
            return r.down().withData("gateway", "starting").build();
        }
        boolean any = false;
        for (var e : g.capacity().entrySet()) {
            r.withData(e.getKey(), e.getValue().ready() ? "ready" : e.getValue().missing() + " is running");
            any |= e.getValue().ready();
        }
        return r.status(any).build();
    }
}
