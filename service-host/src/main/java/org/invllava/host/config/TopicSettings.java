package org.invllava.host.config;

import io.smallrye.config.WithDefault;

/** How a service creates the topics it needs when they are missing ({@code TOPICS_REPLICATION}; -1: the broker's default). */
public interface TopicSettings {
    @WithDefault("-1")
    short replication();
}
