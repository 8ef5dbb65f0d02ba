package org.invllava.gateway.server;

import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewaySettings;
import org.invllava.gateway.GatewayStartup;
import org.invllava.host.RunningService;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/**
 * The gateway's Quarkus app, the only way it runs (Kubernetes, {@code serve}, the tests): once it follows Kafka, the
 * {@link Gateway}'s routes listen on the public port ({@link ApiServer}, on Quarkus' Vert.x); SmallRye Health and
 * Micrometer's {@code /q/metrics} are on Quarkus' management interface ({@code PROBE_PORT}).
 */
@ApplicationScoped
public class GatewayApp extends ServiceHost {
    @Inject
    Vertx vertx;

    @Inject
    GatewaySettings settings;

    private volatile Gateway started;

    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        GatewayConfig config = GatewayStartup.config(settings);
        Gateway gateway = new Gateway(config, vertx, metrics, tracing);
        ApiServer server = new ApiServer(config, vertx, gateway);
        try {
            gateway.start();
            server.listen();
        } catch (Exception | Error e) {
            server.close();
            gateway.close();
            throw e;
        }
        started = gateway;
        return RunningService.of(gateway::ready, () -> {
            server.close();
            gateway.close();
        });
    }

    /** The gateway, once started (null before): for the readiness check's per-model data. */
    Gateway started() {
        return started;
    }
}
