package org.invllava.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.invllava.host.AppProcess;
import org.invllava.runtime.cli.ModelOptions;
import org.invllava.runtime.model.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: the local stack until interrupted (each service its packaged Quarkus app, as in the images). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Run Kafka (embedded unless --bootstrap-servers), the vision encoder and fusion LLM of each served model "
                        + "(Inverse-LLaVA and/or LLaVA-1.5 with --llava-model) and the gateway.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--port", defaultValue = "8080", description = "gateway port (0: any free port)")
    int port;

    @Option(names = "--bootstrap-servers", description = "use this Kafka cluster instead of the embedded broker")
    String bootstrapServers;

    @Option(names = "--dtype", defaultValue = "float32")
    String dtype;

    @Option(names = "--device", defaultValue = "auto")
    String device;

    @Option(
            names = "--weights",
            defaultValue = "float32",
            description =
                    "how the language model's linear weights are stored: float32, float16, bfloat16, q8_0 or q4_0 "
                            + "(not float32: float32 activations on the CPU, native kernels; see docs/weights.md)")
    String weights;

    @Option(
            names = "--work-dir",
            description = "broker log, Streams state and the demo model (default: a temporary folder)")
    Path workDir;

    @Option(names = "--api-key", description = "an API key clients must send (Authorization: Bearer KEY); repeatable")
    List<String> apiKeys = new ArrayList<>();

    @Option(names = "--api-keys-file", description = "a file of API keys, one per line (# comments)")
    Path apiKeysFile;

    @Option(names = "--key-max-concurrent", defaultValue = "16", description = "requests in flight per API key")
    int keyMaxConcurrent;

    @Option(
            names = "--orphan-grace-ms",
            defaultValue = "10000",
            description =
                    "how long an answer goes on after its streaming client left, for it to resume (then cancelled)")
    long orphanGraceMs;

    @Option(
            names = "--image-url-allow",
            description = "a URL prefix image_url http(s) images may be fetched from; repeatable")
    List<String> imageUrlAllow = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<ModelSource> models = model.servedModels(); // none: the bundled demo model
        Path dir = workDir != null ? workDir : Files.createTempDirectory("inverse-llava-stack");
        Map<String, String> services = Map.of("MODEL_DTYPE", dtype, "MODEL_DEVICE", device, "MODEL_WEIGHTS", weights);
        Map<String, String> gateway = new HashMap<>(Map.of(
                "GATEWAY_API_KEYS",
                String.join(",", apiKeys),
                "GATEWAY_KEY_MAX_CONCURRENT",
                Integer.toString(keyMaxConcurrent),
                "GATEWAY_IMAGE_URL_ALLOWLIST",
                String.join(",", imageUrlAllow)));
        if (apiKeysFile != null) {
            gateway.put("GATEWAY_API_KEYS_FILE", apiKeysFile.toAbsolutePath().toString());
        }
        LocalStack.Options options = new LocalStack.Options(
                models, services, bootstrapServers, port, 1, gateway, dir, Duration.ofMillis(orphanGraceMs));
        LocalStack stack = LocalStack.start(options);
        int p = stack.gatewayPorts().get(0);
        System.out.println("Inverse-LLaVA local stack is up.");
        if (stack.usesDemoModel()) {
            System.out.println(
                    "  model:     the bundled DEMO model, trained on pictures of coloured shapes (the chat page has samples):");
            System.out.println(
                    "             it answers questions about such pictures only. Give --vision-model, --language-model");
            System.out.println("             and --fusion-checkpoint to serve real weights.");
        }
        System.out.println("  models:    " + String.join(", ", stack.modelIds()) + " (the first is the default)");
        System.out.println("  kafka:     " + stack.bootstrapServers()
                + (bootstrapServers == null ? " (embedded KRaft broker)" : ""));
        System.out.println("  chat page: http://127.0.0.1:" + p + "/");
        System.out.println("  OpenAI:    http://127.0.0.1:" + p + "/v1 (POST /v1/chat/completions, GET /v1/models)"
                + (apiKeys.isEmpty() && apiKeysFile == null ? "" : ", API key required"));
        System.out.println("  websocket: ws://127.0.0.1:" + p + "/v1/stream");
        for (AppProcess service : stack.processes()) {
            System.out.printf(
                    "  %-22s health http://127.0.0.1:%d/q/health/ready, metrics /q/metrics, log %s%n",
                    service.name() + ":", service.probePort(), service.log());
        }
        System.out.println("Stop with Ctrl-C.");
        Lifecycle.runUntilShutdown(stack);
        return 0;
    }
}
