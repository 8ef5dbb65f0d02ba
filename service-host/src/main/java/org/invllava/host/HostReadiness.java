package org.invllava.host;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: up once the application's service is started and ready for traffic. */
@Readiness
@ApplicationScoped
public class HostReadiness implements HealthCheck {
    @Inject
    ServiceHost host;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("service").status(host.ready()).build();
    }
}
