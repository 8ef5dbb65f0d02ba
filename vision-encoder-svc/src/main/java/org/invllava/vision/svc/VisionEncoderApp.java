package org.invllava.vision.svc;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.host.QuarkusEnv;
import org.invllava.host.RunningService;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/** Quarkus packaging of the vision encoder: {@link VisionEncoderStartup} started from the environment. */
@ApplicationScoped
public class VisionEncoderApp extends ServiceHost {
    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        return VisionEncoderStartup.start(VisionEncoderStartup.settings(QuarkusEnv.current()), metrics, tracing);
    }
}
