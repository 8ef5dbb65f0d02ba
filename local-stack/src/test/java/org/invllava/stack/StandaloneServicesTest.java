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
import org.invllava.fusion.svc.FusionLlmStartup;
import org.invllava.gateway.GatewayStartup;
import org.invllava.gateway.server.GatewayServer;
import org.invllava.kafka.Env;
import org.invllava.host.RunningService;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.Topics;
import org.invllava.vision.svc.VisionEncoderStartup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each service started from environment variables through the start path its Quarkus app uses. */
class StandaloneServicesTest {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The start path each Quarkus app calls ({@code XStartup.start(settings(env), metrics)}), in one JVM with one
     * registry: configured by the variables a deployment sets, they answer, report ready, and their meters carry the
     * model and gateway labels.
     */
    @Test
    void servicesConfiguredByEnvironmentAnswerAndReportHealth() throws Exception {
        ModelPaths model = new DemoModelFactory(ModelShape.tiny(), DType.F32, 11).write(dir.resolve("model"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES)) {
            Map<String, String> common = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "VISION_MODEL_DIR", model.vision().toString(), "LANGUAGE_MODEL_DIR", model.language().toString(),
                    "FUSION_CHECKPOINT_DIR", model.fusion().toString(), "TOPICS_REPLICATION", "1"));
            Map<String, String> fusion = new HashMap<>(common);
            fusion.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
            Map<String, String> gateway = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "GATEWAY_HOST", "127.0.0.1", "GATEWAY_PORT", "0", "GATEWAY_INSTANCE_ID", "gw-standalone",
                    "GATEWAY_CAPACITY_POLL_MS", "200"));
            Metrics metrics = new Metrics();
            try (RunningService v = VisionEncoderStartup.start(VisionEncoderStartup.settings(new Env(common)), metrics,
                    Tracing.off());
                 RunningService f = FusionLlmStartup.start(FusionLlmStartup.settings(new Env(fusion)), metrics,
                         Tracing.off());
                 GatewayServer g = new GatewayServer(GatewayStartup.config(new Env(gateway)), metrics, () -> true)) {
                g.start();
                long until = System.currentTimeMillis() + 30_000; // ready once the broker shows both services' groups
                while (!g.ready() && System.currentTimeMillis() < until) {
                    Thread.sleep(50);
                }
                assertTrue(g.ready(), "the gateway sees the model's services");
                StreamClient.Answer a = StreamClient.ask(g.port(),
                        StreamClient.request("what is this?", DemoImages.png(90, 60, 2), 4).toString());
                assertEquals("done", a.last().get("type").asText(), a.messages().toString());
                assertEquals(4, a.tokenIds().length);
                assertTrue(v.ready() && f.ready() && v.live() && f.live());
                HttpClient http = HttpClient.newHttpClient();
                assertEquals(200, get(http, g.port(), "/q/health/ready").statusCode());
                String scraped = get(http, g.port(), "/q/metrics").body();
                assertTrue(scraped.contains("vision_encode_seconds_count{model=\"inverse-llava\"} 1"), scraped);
                assertTrue(scraped.contains("fusion_generated_tokens_total{model=\"inverse-llava\"} 4"), scraped);
                assertTrue(scraped.contains("gateway_requests_total{api=\"websocket\",gateway=\"gw-standalone\"} 1"),
                        scraped);
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
                () -> FusionLlmStartup.settings(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"))));
        assertEquals("LANGUAGE_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for "
                + "LLaVA-1.5)", e.getMessage());
    }
}
