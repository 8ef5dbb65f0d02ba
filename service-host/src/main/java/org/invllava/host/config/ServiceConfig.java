package org.invllava.host.config;

import io.smallrye.config.ConfigMappings;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The services' configuration mappings ({@code @ConfigMapping(prefix = "")} interfaces, one per service, grouped by
 * the variables' first word) outside a Quarkus app: loaded from a map of environment variables as Quarkus loads them
 * from the process environment, and listed as the variables they read with their defaults (what the docs and the
 * Kubernetes manifests are checked against). A property and its variable are one setting:
 * {@code gateway.max-tokens} is {@code GATEWAY_MAX_TOKENS}.
 */
public final class ServiceConfig {
    private ServiceConfig() {}

    /** {@code mapping} read from {@code variables} (environment variable names), checked as Quarkus checks it. */
    public static <T> T load(Class<T> mapping, Map<String, String> variables) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(variables, 300))
                .withMapping(mapping)
                .build();
        return config.getConfigMapping(mapping);
    }

    /** Every variable {@code mapping} reads, with its default (null: none, it is required or optional). */
    public static Map<String, String> variables(Class<?> mapping) {
        Map<String, String> out = new TreeMap<>();
        ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(mapping, ""))
                .forEach((name, property) ->
                        out.put(variable(name), property.hasDefaultValue() ? property.getDefaultValue() : null));
        return out;
    }

    /** The environment variable of a property: {@code gateway.max-tokens} is {@code GATEWAY_MAX_TOKENS}. */
    public static String variable(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
