package org.invllava.stack;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.invllava.runtime.cli.ModelOptions;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-pipeline}: time to first token and inter-token latency through the whole stack (WebSocket or
 * OpenAI server-sent events, Kafka, three services) against calling the model in-process, requests/s with concurrent clients, and the
 * largest record seen on each topic.
 */
@Command(
        name = "bench-pipeline",
        mixinStandardHelpOptions = true,
        description = "Latency and throughput of the local stack against the direct model path.")
final class PipelineBenchCommand implements Callable<Integer> {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Mixin
    ModelOptions model;

    @Option(names = "--requests", defaultValue = "50")
    int requests;

    @Option(names = "--clients", defaultValue = "8")
    int clients;

    @Option(names = "--max-tokens", defaultValue = "16")
    int maxTokens;

    @Option(names = "--image", description = "PNG/JPEG sent with every request (default: a generated 336x336 image)")
    Path image;

    /** Milliseconds to first token and between tokens. */
    record Timing(double ttftMs, List<Double> interTokenMs) {}

    /** Client wall-clock times of the OpenAI requests, by request id, for the hop breakdown. */
    private final Map<String, HopBreakdown.ClientTimes> clientTimes = new HashMap<>();
    /** In-process image encode times (decode + CLIP), the compute part of the vision hop. */
    private final List<Double> encodeMs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("inverse-llava-bench-pipeline");
        // none given: the demo shape with random weights, whose answers run to --max-tokens (the trained demo stops
        // early); else one model of any family
        ModelSource given = model.sourceOrNull();
        List<ModelSource> models = List.of(
                given != null
                        ? given
                        : new ModelSource.InverseLlava(DemoModelFactory.writeRandomDemo(dir.resolve("random-demo"))));
        try (LocalStack stack =
                LocalStack.start(new LocalStack.Options(models, Map.of(), null, 0, 1, Map.of(), dir, null))) {
            HopBreakdown.stampOnAppend(stack.bootstrapServers());
            byte[] img = image != null ? Files.readAllBytes(image) : DemoImages.png(336, 336, 1);
            int port = stack.gatewayPorts().get(0);
            String question = "What is in the image?";
            List<Timing> direct = new ArrayList<>();
            List<Timing> pipeline = new ArrayList<>();
            List<Timing> openAi = new ArrayList<>();
            for (int i = 0; i < requests + 2; i++) {
                Timing d = direct(stack, question, img);
                Timing p = viaWebSocket(port, question, img, maxTokens);
                Timing o = viaOpenAi(port, question, img);
                if (i >= 2) { // the first two warm up the JIT and the connections
                    direct.add(d);
                    pipeline.add(p);
                    openAi.add(o);
                }
            }
            double rps = throughput(port, question, img);
            System.out.printf(
                    Locale.ROOT,
                    "%s model, %d requests of %d tokens, image %d bytes%n",
                    stack.usesDemoModel() ? "demo" : "given",
                    requests,
                    maxTokens,
                    img.length);
            System.out.println("| path | TTFT p50 ms | TTFT p99 ms | inter-token p50 ms | inter-token p99 ms |");
            System.out.println("|---|---|---|---|---|");
            row("direct (in-process)", direct);
            row("pipeline (WebSocket + Kafka)", pipeline);
            row("pipeline (OpenAI SSE + Kafka)", openAi);
            System.out.printf(Locale.ROOT, "throughput with %d concurrent clients: %.1f requests/s%n", clients, rps);
            HopBreakdown hops = HopBreakdown.read(stack.bootstrapServers());
            System.out.println();
            hops.print(clientTimes, System.out);
            List<Double> encode =
                    encodeMs.subList(2, encodeMs.size()).stream().sorted().toList();
            List<Double> ttft = direct.stream().map(Timing::ttftMs).sorted().toList();
            System.out.printf(
                    Locale.ROOT,
                    "in-process for comparison (p50): image decode + CLIP %.1f ms, then prompt + "
                            + "prefill + first token %.1f ms%n",
                    pct(encode, 50),
                    pct(ttft, 50) - pct(encode, 50));
            System.out.println("largest record per topic (bytes): " + hops.largestRecords());
        }
        return 0;
    }

    private Timing direct(LocalStack stack, String question, byte[] img) {
        long t0 = System.nanoTime();
        List<PatchFeatures> f = stack.model().encodeImages(List.of(new ImageDecoder(1L << 26).decode(img)));
        encodeMs.add((System.nanoTime() - t0) / 1e6);
        int[] ids = stack.model().chat().question(question, true);
        List<Long> times = new ArrayList<>();
        new Generator(stack.model())
                .generate(ids, f, SamplingParams.greedy(maxTokens), (i, t, d) -> times.add(System.nanoTime()));
        return timing(t0, times);
    }

    /** One request over the gateway's WebSocket API, timed from sending to each token message. */
    static Timing viaWebSocket(int port, String question, byte[] img, int maxTokens) throws Exception {
        List<Long> times = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        StreamClient.ask(port, StreamClient.request(question, img, maxTokens).toString(), m -> {
            if (m.path("type").asText().equals("token")) {
                times.add(System.nanoTime());
            }
        });
        return timing(t0, times);
    }

    /** A streamed chat completion; each {@code data:} event with content is one token. */
    private Timing viaOpenAi(int port, String question, byte[] img) throws Exception {
        ObjectNode body = StreamClient.JSON
                .createObjectNode()
                .put("max_tokens", maxTokens)
                .put("stream", true);
        ArrayNode content =
                body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", question);
        content.addObject()
                .put("type", "image_url")
                .putObject("image_url")
                .put("url", "data:image/png;base64," + Base64.getEncoder().encodeToString(img));
        List<Long> times = new ArrayList<>();
        long sentMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            lines.filter(l -> l.startsWith("data: {") && l.contains("\"content\":\"") && !l.contains("\"role\""))
                    .forEach(l -> times.add(System.nanoTime()));
        }
        Timing t = timing(t0, times);
        r.headers()
                .firstValue("x-request-id")
                .ifPresent(id ->
                        clientTimes.put(id, new HopBreakdown.ClientTimes(sentMs, sentMs + Math.round(t.ttftMs()))));
        return t;
    }

    private static Timing timing(long t0, List<Long> times) {
        List<Double> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add((times.get(i) - times.get(i - 1)) / 1e6);
        }
        return new Timing(times.isEmpty() ? Double.NaN : (times.get(0) - t0) / 1e6, gaps);
    }

    private double throughput(int port, String question, byte[] img) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                done.add(pool.submit(() -> StreamClient.ask(
                        port, StreamClient.request(question, img, maxTokens).toString())));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return requests / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void row(String name, List<Timing> timings) {
        List<Double> ttft = timings.stream().map(Timing::ttftMs).sorted().toList();
        List<Double> itl = timings.stream()
                .flatMap(t -> t.interTokenMs().stream())
                .sorted()
                .toList();
        System.out.printf(
                Locale.ROOT,
                "| %s | %.1f | %.1f | %.2f | %.2f |%n",
                name,
                pct(ttft, 50),
                pct(ttft, 99),
                pct(itl, 50),
                pct(itl, 99));
    }

    static double pct(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
