package org.invllava.runtime.config;

/** A configuration file that is missing, unreadable or inconsistent. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
