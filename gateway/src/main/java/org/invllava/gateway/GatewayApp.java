package org.invllava.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.kafka.Env;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.quarkus.ServiceHost;

/**
 * Quarkus packaging of the gateway: {@link GatewayMain} started from the environment (the streaming API keeps
 * its own Vert.x server on {@code GATEWAY_PORT}; Quarkus serves health and metrics).
 */
@ApplicationScoped
public class GatewayApp extends ServiceHost {
    @Override
    protected RunningService start() throws Exception {
        return GatewayMain.start(Env.system(), false);
    }
}
