package org.invllava.fusion.svc;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.kafka.Env;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.quarkus.ServiceHost;

/** Quarkus packaging of the fusion LLM: {@link FusionLlmMain} started from the environment. */
@ApplicationScoped
public class FusionLlmApp extends ServiceHost {
    @Override
    protected RunningService start() throws Exception {
        return FusionLlmMain.start(Env.system(), false);
    }
}
