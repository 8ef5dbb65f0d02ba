package org.invllava.gateway.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.invllava.gateway.GatewayStartup;
import org.invllava.host.RunningService;
import org.invllava.host.QuarkusEnv;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/**
 * Quarkus packaging of the gateway: the {@link Gateway}'s routes on Quarkus' HTTP server and Vert.x
 * ({@code GATEWAY_HOST:GATEWAY_PORT}); SmallRye Health and Micrometer's {@code /q/metrics} on Quarkus' management
 * interface ({@code PROBE_PORT}), away from the public port. The routes are added when Quarkus builds its router;
 * until the gateway follows Kafka, {@code /v1} answers 503.
 */
@ApplicationScoped
public class GatewayApp extends ServiceHost {
    @Inject
    Vertx vertx;

    private Gateway gateway;
    private volatile boolean started;

    /** The one gateway, created by whichever comes first: Quarkus' router or its start-up event. */
    private synchronized Gateway gateway() {
        if (gateway == null) {
            gateway = new Gateway(GatewayStartup.config(QuarkusEnv.current()), vertx, metrics(), tracing(), () -> true);
        }
        return gateway;
    }

    /** The gateway was made with the same registry and tracing ({@link #metrics()}, {@link #tracing()}). */
    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        Gateway g = gateway();
        g.start();
        started = true;
        return RunningService.of(g::ready, g);
    }

    /** The gateway, once started (null before): for the readiness check's per-model data. */
    Gateway started() {
        return started ? gateway : null;
    }

    void routes(@Observes Router router) {
        router.route("/v1/*").order(-1).handler(ctx -> {
            if (started) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"code\":\"not_ready\",\"message\":\"the gateway is starting\"}}");
            }
        });
        gateway().mount(router);
    }
}
