package org.invllava.host;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The services' settings read through Quarkus' configuration: each variable as its property ({@link Env#property}),
 * so environment variables (as before), system properties, {@code application.properties} and profiles all set it.
 */
public final class QuarkusEnv {
    private QuarkusEnv() {}

    /** From the running application's configuration. */
    public static Env current() {
        return of(ConfigProvider.getConfig());
    }

    public static Env of(Config config) {
        return new Env(name ->
                config.getOptionalValue(Env.property(name), String.class).orElse(null));
    }
}
