package org.invllava.fusion.svc;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.invllava.host.RunningService;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/** Quarkus packaging of the fusion LLM: {@link FusionLlmStartup} started from its settings ({@link FusionLlmSettings}). */
@ApplicationScoped
public class FusionLlmApp extends ServiceHost {
    @Inject
    FusionLlmSettings settings;

    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        return FusionLlmStartup.start(FusionLlmStartup.settings(settings), metrics, tracing);
    }
}
