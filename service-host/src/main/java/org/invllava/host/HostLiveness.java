package org.invllava.host;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** {@code /q/health/live}: down once the application's service is broken for good, so that it is restarted. */
@Liveness
@ApplicationScoped
public class HostLiveness implements HealthCheck {
    @Inject
    ServiceHost host;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("service").status(host.live()).build();
    }
}
