package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three services as their packaged Quarkus apps ({@code target/quarkus-app/quarkus-run.jar}), each its own
 * JVM process configured by environment variables, talking through a real broker: all report ready, and a
 * question through the gateway gets the model's own answer.
 */
class QuarkusPackagingTest {
    @TempDir
    Path dir;

    @Test
    void packagedServicesAnswerThroughKafka() throws Exception {
        for (PackagedApp app : PackagedApp.values()) {
            assumeTrue(app.built(), app.module() + " is not built (run the whole build: ./mvnw -B verify)");
        }
        ModelPaths model = new DemoModelFactory(ModelShape.tiny(), DType.F32, 13).write(dir.resolve("model"));
        List<AppProcess> services = new ArrayList<>();
        OtlpReceiver otlp = OtlpReceiver.start();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES)) {
            int gatewayPort = AppProcess.freePort();
            Map<String, String> common = new HashMap<>(new ModelSource.InverseLlava(model).variables());
            common.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "TOPICS_REPLICATION", "1"));
            common.putAll(otlp.environment());
            Map<String, String> fusionEnv = new HashMap<>(common);
            fusionEnv.put("FUSION_STATE_DIR", dir.resolve("streams").toString());
            Map<String, String> gatewayEnv = new HashMap<>(otlp.environment());
            gatewayEnv.putAll(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    "GATEWAY_HOST",
                    "127.0.0.1",
                    "GATEWAY_PORT",
                    "" + gatewayPort));
            AppProcess vision = AppProcess.of(PackagedApp.VISION, "vision-encoder-svc", common, dir);
            AppProcess fusion = AppProcess.of(PackagedApp.FUSION, "fusion-llm-svc", fusionEnv, dir);
            AppProcess gateway = AppProcess.of(PackagedApp.GATEWAY, "gateway", gatewayEnv, dir)
                    .withJvmOptions(List.of("-Xmx1g", "-Dgateway.instance-id=gw-quarkus")); // a Quarkus property
            for (AppProcess service : List.of(vision, fusion, gateway)) {
                services.add(service.start());
            }
            for (AppProcess service : services) {
                service.awaitReady(Duration.ofMinutes(2));
                for (String path :
                        List.of("/q/health/started", "/q/health/live", "/q/metrics")) { // what k8s/ probes and scrapes
                    assertEquals(200, get(service.probePort(), path).status(), path + " on " + service.name());
                }
            }
            gatewayServesThePageAndSaysWhichModelIsReady(gateway.probePort(), gatewayPort);
            answersAreTheModelsOwn(model, gatewayPort);
            String metrics = get(fusion.probePort(), "/q/metrics").body();
            assertTrue(metrics.contains("fusion_generated_tokens_total{model=\"inverse-llava\"} 10"), metrics);
            assertTrue(
                    metrics.contains("jvm_memory_used_bytes"), "Micrometer's JVM meters come with Quarkus' registry");
            String gatewayMetrics = get(gateway.probePort(), "/q/metrics").body();
            assertTrue(
                    gatewayMetrics.contains("gateway_requests_total{api=\"openai\",gateway=\"gw-quarkus\"} 1"),
                    gatewayMetrics);
            theOtherOpenAiApisAnswer(gatewayPort);
            for (AppProcess service : List.of(vision, fusion)) { // the loopback (AppProcess gives PROBE_HOST)
                assertTrue(Files.readString(service.log()).contains("Listening on: http://127.0.0.1:"), service.name());
            }
            eachRequestIsOneTrace(otlp);
        } finally {
            otlp.close();
            services.forEach(AppProcess::terminate); // SIGTERM: Quarkus shuts each service down gracefully
            for (AppProcess service : services) {
                service.close();
            }
        }
    }

    private static OpenAiTestClient.Response get(int port, String path) throws Exception {
        return new OpenAiTestClient(port, null).get(path);
    }

    /** The page on the gateway's one port, metrics only on its management port, readiness naming the model. */
    private static void gatewayServesThePageAndSaysWhichModelIsReady(int probePort, int port) throws Exception {
        String readiness = get(probePort, "/q/health/ready").body();
        assertTrue(
                readiness.replaceAll("\\s", "").contains("\"inverse-llava\":\"ready\""),
                "readiness says which model can answer: " + readiness);
        OpenAiTestClient.Response page = get(port, "/");
        assertEquals(200, page.status(), "the chat page on the gateway's one port");
        assertTrue(page.body().contains("<html"), page.body());
        assertEquals(404, get(port, "/q/metrics").status(), "metrics only on the management port");
    }

    /** A question with a picture over WebSocket gets the model's own tokens; the OpenAI API gives the same text. */
    private static void answersAreTheModelsOwn(ModelPaths model, int port) throws Exception {
        byte[] image = DemoImages.png(100, 70, 3);
        StreamClient.Answer a = StreamClient.ask(
                port, StreamClient.request("what is it?", image, 5).toString());
        assertEquals("done", a.last().get("type").asText(), a.messages().toString());
        try (InverseLlavaModel direct = InverseLlavaModel.load(model, LoadOptions.defaults())) {
            assertArrayEquals(StackFixture.direct(direct, "what is it?", image, 5), a.tokenIds());
        }
        OpenAiTestClient.Response completion =
                new OpenAiTestClient(port, null).chatCompletion(OpenAiTestClient.chat("what is it?", image, 5));
        assertEquals(200, completion.status(), completion.body());
        assertEquals(
                a.text(),
                completion
                        .json()
                        .path("choices")
                        .path(0)
                        .path("message")
                        .path("content")
                        .asText());
    }

    /** The production host serves the Responses API with log probabilities, and a chat answer held to a schema. */
    private static void theOtherOpenAiApisAnswer(int port) throws Exception {
        OpenAiTestClient openai = new OpenAiTestClient(port, null);
        OpenAiTestClient.Response response = openai.post(
                "/v1/responses",
                "{\"input\": \"what is it?\", "
                        + "\"max_output_tokens\": 3, \"include\": [\"message.output_text.logprobs\"]}");
        assertEquals(200, response.status(), response.body());
        assertEquals(
                3,
                response.json()
                        .path("output")
                        .path(0)
                        .path("content")
                        .path(0)
                        .path("logprobs")
                        .size(),
                response.body());
        ObjectNode structured = OpenAiTestClient.chat("what is it?", null, 64);
        structured
                .putObject("response_format")
                .put("type", "json_schema")
                .putObject("json_schema")
                .put("name", "s")
                .set(
                        "schema",
                        OpenAiTestClient.JSON.readTree("{\"type\": \"object\", \"properties\": {\"color\": "
                                + "{\"enum\": [\"red\", \"blue\"]}, \"count\": {\"type\": \"integer\"}}, "
                                + "\"required\": [\"color\", \"count\"]}"));
        OpenAiTestClient.Response json = openai.chatCompletion(structured);
        assertEquals(200, json.status(), json.body());
        JsonNode doc = OpenAiTestClient.JSON.readTree(json.json()
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asText());
        assertTrue(doc.path("count").isIntegralNumber() && doc.path("color").isTextual(), json.body());
    }

    /**
     * Tracing on (OTLP over HTTP to a receiver of this test): each service exported its stage of the requests, one
     * request's stages are one trace (the gateway's span, the vision encoder's and the fusion LLM's), and the hops
     * between them are OpenTelemetry's Kafka publish spans in the same traces.
     */
    private static void eachRequestIsOneTrace(OtlpReceiver otlp) throws Exception {
        for (String span : List.of("gateway.request", "vision.encode", "fusion.generate")) {
            assertTrue(otlp.awaitSpan(span, 20_000), span + " was not exported over OTLP");
        }
        Set<String> encoded = otlp.traceIds("vision.encode");
        Set<String> complete = Set.of();
        long until = System.currentTimeMillis() + 10_000; // the last spans may still be on their way
        while (!complete.equals(encoded) && System.currentTimeMillis() < until) {
            Thread.sleep(200);
            encoded = otlp.traceIds("vision.encode");
            complete = new HashSet<>(encoded);
            complete.retainAll(otlp.traceIds("gateway.request"));
            complete.retainAll(otlp.traceIds("fusion.generate"));
        }
        assertEquals(encoded, complete, "each request with an image: its gateway, vision and fusion spans, one trace");
        assertEquals( // the gateway's heartbeats (one a second) would each be a trace of their own
                Set.of(), otlp.traceIdsOfSpansWith(Topics.CONTROL, "publish"), "control messages are not traced");
        for (String topic : List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES)) {
            Set<String> published = otlp.traceIdsOfSpansWith(topic, "publish");
            assertTrue(
                    published.containsAll(complete),
                    topic + " publish spans in " + published + ", not all of " + complete);
        }
    }
}
