package org.invllava.gateway;

import java.util.Map;
import org.invllava.host.config.ServiceConfig;

/** The gateway's configuration as its settings' defaults make it, for tests that build parts of it in-process. */
public final class TestConfigs {
    private TestConfigs() {}

    /** The defaults, with a broker address nothing is sent to. */
    public static GatewayConfig gateway() {
        return GatewayStartup.config(
                ServiceConfig.load(GatewaySettings.class, Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9")));
    }
}
