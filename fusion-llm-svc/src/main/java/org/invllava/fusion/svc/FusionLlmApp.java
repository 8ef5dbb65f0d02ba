package org.invllava.fusion.svc;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.host.QuarkusEnv;
import org.invllava.host.RunningService;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/** Quarkus packaging of the fusion LLM: {@link FusionLlmStartup} started from the environment. */
@ApplicationScoped
public class FusionLlmApp extends ServiceHost {
    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        return FusionLlmStartup.start(FusionLlmStartup.settings(QuarkusEnv.current()), metrics, tracing);
    }
}
