package org.invllava.fusion.svc;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.kafka.quarkus.QuarkusEnv;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.quarkus.ServiceHost;
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
