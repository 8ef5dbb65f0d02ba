package org.invllava.vision.svc;

import jakarta.enterprise.context.ApplicationScoped;
import org.invllava.kafka.Env;
import org.invllava.kafka.RunningService;
import org.invllava.kafka.quarkus.ServiceHost;

/** Quarkus packaging of the vision encoder: {@link VisionEncoderMain} started from the environment. */
@ApplicationScoped
public class VisionEncoderApp extends ServiceHost {
    @Override
    protected RunningService start() throws Exception {
        return VisionEncoderMain.start(Env.system(), false);
    }
}
