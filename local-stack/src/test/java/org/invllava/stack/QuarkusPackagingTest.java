package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.invllava.host.AppProcess;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
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

    private static Path app(String module) {
        return Path.of("..", module, "target", "quarkus-app", "quarkus-run.jar")
                .toAbsolutePath()
                .normalize();
    }

    @Test
    void packagedServicesAnswerThroughKafka() throws Exception {
        for (String m : List.of("vision-encoder-svc", "fusion-llm-svc", "gateway")) {
            assumeTrue(Files.isRegularFile(app(m)), app(m) + " is not built (run the whole build: ./mvnw -B verify)");
        }
        ModelPaths model = new DemoModelFactory(ModelShape.tiny(), DType.F32, 13).write(dir.resolve("model"));
        List<Process> processes = new ArrayList<>();
        OtlpReceiver otlp = OtlpReceiver.start();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES)) {
            int visionProbe = AppProcess.freePort();
            int fusionProbe = AppProcess.freePort();
            int gatewayProbe = AppProcess.freePort();
            int gatewayPort = AppProcess.freePort();
            Map<String, String> common = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    "VISION_MODEL_DIR",
                    model.vision().toString(),
                    "LANGUAGE_MODEL_DIR",
                    model.language().toString(),
                    "FUSION_CHECKPOINT_DIR",
                    model.fusion().toString(),
                    "TOPICS_REPLICATION",
                    "1");
            common = with(common, otlp.environment());
            processes.add(
                    launch("vision-encoder-svc", common, Map.of("PROBE_PORT", "" + visionProbe))); // host: default
            processes.add(launch(
                    "fusion-llm-svc",
                    common,
                    Map.of(
                            "PROBE_PORT",
                            "" + fusionProbe,
                            "PROBE_HOST",
                            "127.0.0.1",
                            "FUSION_STATE_DIR",
                            dir.resolve("streams").toString())));
            processes.add(launch(
                    "gateway",
                    with(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()), otlp.environment()),
                    Map.of(
                            "GATEWAY_HOST",
                            "127.0.0.1",
                            "GATEWAY_PORT",
                            "" + gatewayPort,
                            "PROBE_PORT",
                            "" + gatewayProbe),
                    "-Dgateway.instance-id=gw-quarkus")); // a setting as a Quarkus property, not a variable
            HttpClient http = HttpClient.newHttpClient();
            for (int port : new int[] {visionProbe, fusionProbe, gatewayProbe}) {
                awaitReady(http, port, processes);
                for (String path :
                        List.of("/q/health/started", "/q/health/live", "/q/metrics")) { // what k8s/ probes and scrapes
                    int status = http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    assertEquals(200, status, path + " on port " + port);
                }
            }
            String readiness = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayProbe + "/q/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(
                    readiness.replaceAll("\\s", "").contains("\"inverse-llava\":\"ready\""),
                    "readiness says which model can answer: " + readiness);
            HttpResponse<String> page = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), "the chat page on the gateway's one port");
            assertTrue(page.body().contains("<html"), page.body());
            assertEquals(
                    404,
                    http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/q/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode(),
                    "metrics only on the management port");
            byte[] image = DemoImages.png(100, 70, 3);
            StreamClient.Answer a = StreamClient.ask(
                    gatewayPort, StreamClient.request("what is it?", image, 5).toString());
            assertEquals("done", a.last().get("type").asText(), a.messages().toString());
            try (InverseLlavaModel direct = InverseLlavaModel.load(model, LoadOptions.defaults())) {
                assertArrayEquals(StackFixture.direct(direct, "what is it?", image, 5), a.tokenIds());
            }
            OpenAiTestClient.Response completion = new OpenAiTestClient(gatewayPort, null)
                    .chatCompletion(OpenAiTestClient.chat("what is it?", image, 5));
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
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fusionProbe + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("fusion_generated_tokens_total{model=\"inverse-llava\"} 10"), metrics);
            assertTrue(
                    metrics.contains("jvm_memory_used_bytes"), "Micrometer's JVM meters come with Quarkus' registry");
            String gatewayMetrics = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayProbe + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(
                    gatewayMetrics.contains("gateway_requests_total{api=\"openai\",gateway=\"gw-quarkus\"} 1"),
                    gatewayMetrics);
            // the production host serves the other OpenAI APIs too: the Responses API with log probabilities, and a
            // chat answer held to a JSON schema
            OpenAiTestClient openai = new OpenAiTestClient(gatewayPort, null);
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
            com.fasterxml.jackson.databind.node.ObjectNode structured = OpenAiTestClient.chat("what is it?", null, 64);
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
            for (String m : List.of("vision-encoder-svc", "fusion-llm-svc")) { // the loopback by default, or PROBE_HOST
                assertTrue(Files.readString(dir.resolve(m + ".log")).contains("Listening on: http://127.0.0.1:"), m);
            }
            // tracing on (OTLP over HTTP to a receiver of this test): each service exported its stage of the requests
            for (String span : List.of("gateway.request", "vision.encode", "fusion.generate")) {
                assertTrue(otlp.awaitReceived(span, 20_000), span + " was not exported over OTLP");
            }
        } finally {
            otlp.close();
            for (Process p : processes) {
                p.destroy(); // SIGTERM: Quarkus shuts the service down gracefully
            }
            for (Process p : processes) {
                p.waitFor();
            }
        }
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new HashMap<>(a);
        out.putAll(b);
        return out;
    }

    /** Accepts OTLP/HTTP exports and keeps their bodies (protobuf holds span names as plain UTF-8). */
    private record OtlpReceiver(com.sun.net.httpserver.HttpServer server, java.io.ByteArrayOutputStream received) {
        static OtlpReceiver start() throws java.io.IOException {
            com.sun.net.httpserver.HttpServer server =
                    com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 16);
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            server.createContext("/", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                synchronized (received) {
                    received.writeBytes(body);
                }
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            server.start();
            return new OtlpReceiver(server, received);
        }

        Map<String, String> environment() {
            return Map.of(
                    "QUARKUS_OTEL_SDK_DISABLED",
                    "false",
                    "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                    "http/protobuf",
                    "QUARKUS_OTEL_BSP_SCHEDULE_DELAY",
                    "100ms");
        }

        boolean awaitReceived(String text, long millis) throws InterruptedException {
            long until = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < until) {
                synchronized (received) {
                    if (received.toString(java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(text)) {
                        return true;
                    }
                }
                Thread.sleep(100);
            }
            return false;
        }

        void close() {
            server.stop(0);
        }
    }

    private Process launch(String module, Map<String, String> common, Map<String, String> own, String... jvmArgs)
            throws Exception {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-jar", app(module).toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = new HashMap<>(common);
        env.putAll(own);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve(module + ".log").toFile());
        return pb.start();
    }

    private void awaitReady(HttpClient http, int port, List<Process> processes) throws Exception {
        long until = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < until) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new AssertionError("a service exited: " + logs());
                }
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(300);
        }
        throw new AssertionError("not ready on port " + port + ": " + logs());
    }

    private String logs() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String m : List.of("vision-encoder-svc", "fusion-llm-svc", "gateway")) {
            Path log = dir.resolve(m + ".log");
            if (Files.exists(log)) {
                String text = Files.readString(log);
                sb.append("\n--- ")
                        .append(m)
                        .append(" ---\n")
                        .append(text.substring(Math.max(0, text.length() - 3000)));
            }
        }
        return sb.toString();
    }
}
