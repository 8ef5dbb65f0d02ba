package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.invllava.fusion.svc.FusionLlmMain;
import org.invllava.gateway.GatewayMain;
import org.invllava.gateway.GatewayServer;
import org.invllava.kafka.Env;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each service started from its own entry point and environment variables, as a deployment runs them. */
class StandaloneServicesTest {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void servicesConfiguredByEnvironmentAnswerAndReportHealth() throws Exception {
        ModelPaths model = new DemoModelFactory(ModelShape.tiny(), DType.F32, 11).write(dir.resolve("model"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES)) {
            int visionProbe = freePort();
            int fusionProbe = freePort();
            Map<String, String> common = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "VISION_MODEL_DIR", model.vision().toString(), "LANGUAGE_MODEL_DIR", model.language().toString(),
                    "FUSION_CHECKPOINT_DIR", model.fusion().toString(), "TOPICS_REPLICATION", "1", "PROBE_HOST", "127.0.0.1"));
            Map<String, String> vision = new HashMap<>(common);
            vision.put("PROBE_PORT", String.valueOf(visionProbe));
            Map<String, String> fusion = new HashMap<>(common);
            fusion.put("PROBE_PORT", String.valueOf(fusionProbe));
            fusion.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
            Map<String, String> gateway = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT", "0", "GATEWAY_INSTANCE_ID", "gw-standalone"));
            try (AutoCloseable v = org.invllava.vision.svc.VisionEncoderMain.start(new Env(vision));
                 AutoCloseable f = FusionLlmMain.start(new Env(fusion));
                 GatewayServer g = GatewayMain.start(new Env(gateway))) {
                StreamClient.Answer a = StreamClient.ask(g.port(),
                        StreamClient.request("what is this?", DemoImages.png(90, 60, 2), 4).toString());
                assertEquals("done", a.last().get("type").asText(), a.messages().toString());
                assertEquals(4, a.tokenIds().length);
                HttpClient http = HttpClient.newHttpClient();
                for (int port : new int[] {visionProbe, fusionProbe, g.port()}) {
                    assertEquals(200, get(http, port, "/q/health/ready").statusCode(), "ready on " + port);
                }
                assertTrue(get(http, visionProbe, "/q/metrics").body().contains("vision_encode_seconds_count 1"));
                assertTrue(get(http, fusionProbe, "/q/metrics").body().contains("fusion_generated_tokens_total 4"));
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aMissingVariableIsOneClearError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FusionLlmMain.start(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"))));
        assertEquals("VISION_MODEL_DIR, LANGUAGE_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for "
                + "LLaVA-1.5)", e.getMessage());
    }
}
