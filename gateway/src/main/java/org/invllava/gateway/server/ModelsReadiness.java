package org.invllava.gateway.server;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} of the gateway app says why: per served model, {@code ready} or what it lacks ("no fusion
 * LLM is running"; "text only: no vision encoder is running" where text-only requests are still answered), and
 * whether Kafka answers; down while no model can answer requests with an image or Kafka does not answer (requests
 * get 503 {@code not_ready} / {@code unavailable} at once then).
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
        g.readinessData().forEach(r::withData);
        return r.status(g.ready()).build();
    }
}
