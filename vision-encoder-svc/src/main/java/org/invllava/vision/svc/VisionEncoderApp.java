package org.invllava.vision.svc;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.invllava.host.RunningService;
import org.invllava.host.ServiceHost;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;

/** Quarkus packaging of the vision encoder: {@link VisionEncoderStartup} started from its settings ({@link VisionEncoderSettings}). */
@ApplicationScoped
public class VisionEncoderApp extends ServiceHost {
    @Inject
    VisionEncoderSettings settings;

    @Override
    protected RunningService start(Metrics metrics, Tracing tracing) throws Exception {
        return VisionEncoderStartup.start(VisionEncoderStartup.settings(settings), metrics, tracing);
    }
}
