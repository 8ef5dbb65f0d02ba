package org.invllava.stack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.invllava.host.AppProcess;
import org.invllava.host.PackagedApp;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TopicSetup;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.runtime.serving.EngineObserver;
import org.invllava.runtime.serving.Outcome;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;

/**
 * A fault drill: a broker and every service as processes of their own, many clients streaming answers over
 * WebSocket, and meanwhile {@code kill -9} and restart of random service processes (and a broker restart). Each
 * answer is compared with the same request generated in-process, undisturbed.
 */
final class ChaosRun {
    /**
     * What to run: instances per service, requests (all at once), tokens each, kills, how often the broker is stopped
     * and started again during the kills (evenly spread) and whether it is killed (-9) or stopped cleanly.
     */
    record Plan(
            int visionInstances,
            int fusionInstances,
            int gateways,
            int requests,
            int maxTokens,
            int kills,
            Duration killEvery,
            Set<ServiceCommand.Kind> victims,
            int brokerRestarts,
            boolean brokerKill,
            long seed,
            Duration timeLimit) {}

    /** The outcome: every figure the drill reports; lost, duplicated and differing must be 0. */
    record Report(
            int requests,
            int completed,
            int lost,
            int errors,
            int duplicatedTokens,
            int differing,
            int truncated,
            List<Fault> faults,
            double gapP50,
            double gapMax,
            long tokensWritten,
            long tokensDelivered,
            int reconnects,
            double seconds) {
        void print(PrintStream out) {
            out.printf(
                    "requests %d: completed %d, lost %d, ended with an error %d; duplicated tokens %d; answers "
                            + "differing from an undisturbed run %d, of which cut short but reported complete %d%n",
                    requests, completed, lost, errors, duplicatedTokens, differing, truncated);
            out.printf(
                    "faults (%d), each with the longest pause a client saw from 1 s before it to the next:%n",
                    faults.size());
            faults.forEach(f -> out.printf("  %-22s gap %.2f s%n", f.name(), f.gap()));
            out.printf(
                    "client-visible gap (longest pause between two tokens, per answer): p50 %.2f s, max %.2f s; "
                            + "client reconnects %d%n",
                    gapP50, gapMax, reconnects);
            out.printf(
                    "tokens written to %s %d, delivered %d (%.2fx); %.0f s in all%n",
                    Topics.TOKENS,
                    tokensWritten,
                    tokensDelivered,
                    tokensDelivered == 0 ? 0 : (double) tokensWritten / tokensDelivered,
                    seconds);
        }
    }

    /** A fault injected, when ({@link System#nanoTime}), and the longest client pause that began around it. */
    record Fault(String name, long at, double gap) {}

    private final Plan plan;
    private final Path dir;
    private final PrintStream log;

    ChaosRun(Plan plan, Path dir, PrintStream log) {
        this.plan = plan;
        this.dir = dir;
        this.log = log;
    }

    Report run() throws Exception {
        long start = System.nanoTime();
        ModelPaths model = DemoModelFactory.writeRandomDemo(dir.resolve("model"));
        List<ObjectNode> requests = requests();
        List<int[]> expected = expected(model, requests);
        log.println("starting a broker and " + (plan.visionInstances() + plan.fusionInstances() + plan.gateways())
                + " service processes in " + dir);
        try (KraftProcess broker = KraftProcess.start(dir.resolve("broker"))) {
            TopicSetup.ensureDefaults(
                    KafkaSettings.of(broker.bootstrapServers(), "topic-setup"),
                    (short) 1,
                    List.of(ModelTopics.PRIMARY));
            List<Integer> ports = new ArrayList<>();
            List<AppProcess> services = services(broker.bootstrapServers(), model, ports);
            try {
                for (AppProcess s : services) {
                    s.start();
                }
                for (AppProcess s : services) {
                    s.awaitReady(Duration.ofMinutes(3));
                }
                log.println("stack ready; " + requests.size() + " clients streaming, faults every "
                        + plan.killEvery().toMillis() + " ms");
                List<ChaosClient> clients = new ArrayList<>();
                requests.forEach(r -> clients.add(new ChaosClient(r, ports)));
                List<Fault> faults = new ArrayList<>();
                ExecutorService pool = Executors.newFixedThreadPool(clients.size());
                long until = System.nanoTime() + plan.timeLimit().toNanos();
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < clients.size(); i++) {
                    int first = i;
                    running.add(pool.submit(() -> clients.get(first).run(first, until)));
                }
                injectFaults(services, broker, running, faults);
                for (Future<?> f : running) {
                    f.get();
                }
                pool.shutdown();
                return report(clients, expected, faults, broker.bootstrapServers(), (System.nanoTime() - start) / 1e9);
            } finally {
                for (AppProcess s : services) {
                    s.close();
                }
            }
        }
    }

    /** The clients' requests: a third with an image, half sampled with a seed, the rest greedy. */
    private List<ObjectNode> requests() {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < plan.requests(); i++) {
            byte[] image = i % 3 == 0 ? DemoImages.png(64, 48, plan.seed() + i) : null;
            ObjectNode r = StreamClient.request("tell me about thing number " + i, image, plan.maxTokens());
            if (i % 2 == 1) {
                r.put("temperature", 0.8).put("top_p", 0.95).put("seed", plan.seed() + i);
            }
            out.add(r);
        }
        return out;
    }

    /**
     * Each request's answer generated in-process by the fusion LLM's batching engine (its settings, all requests at
     * once), without Kafka or faults. The engine, not the single-sequence generator: their float sums differ in the
     * last bits, which is enough to flip a sampled token now and then (2 of 60 seeded answers here).
     */
    private static List<int[]> expected(ModelPaths paths, List<ObjectNode> requests) throws Exception {
        List<java.util.concurrent.CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults());
                BatchEngine engine = new BatchEngine(model, EngineConfig.defaults(), EngineObserver.NONE)) {
            engine.start();
            for (int i = 0; i < requests.size(); i++) {
                ObjectNode r = requests.get(i);
                byte[] image = r.has("image")
                        ? Base64.getDecoder().decode(r.get("image").asText())
                        : null;
                int[] ids = model.tokenizer()
                        .encodePrompt(ChatTemplate.vicunaV1(r.get("prompt").asText(), image != null));
                SamplingParams params = new SamplingParams(
                        r.get("max_tokens").asInt(),
                        r.get("temperature").asDouble(),
                        r.path("top_p").asDouble(1.0),
                        0,
                        r.path("seed").asLong(0),
                        List.of());
                outcomes.add(engine.submit(
                        "expected-" + i,
                        ids,
                        image == null
                                ? List.of()
                                : model.encodeImages(List.of(new ImageDecoder(1L << 26).decode(image))),
                        params,
                        (k, t, d) -> {}));
            }
            List<int[]> out = new ArrayList<>();
            for (var o : outcomes) {
                out.add(((Outcome.Finished) o.get(10, TimeUnit.MINUTES))
                        .result()
                        .tokenIds());
            }
            return out;
        }
    }

    private List<AppProcess> services(String bootstrap, ModelPaths model, List<Integer> ports) {
        Map<String, String> common = new HashMap<>(new ModelSource.InverseLlava(model).variables());
        common.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "TOPICS_REPLICATION", "1", "MODEL_DEVICE", "cpu"));
        List<AppProcess> out = new ArrayList<>();
        for (int i = 0; i < plan.visionInstances(); i++) {
            out.add(service(PackagedApp.VISION, "vision-" + i, common));
        }
        for (int i = 0; i < plan.fusionInstances(); i++) {
            Map<String, String> env = new HashMap<>(common);
            env.put("FUSION_STATE_DIR", dir.resolve("fusion-state-" + i).toString());
            out.add(service(PackagedApp.FUSION, "fusion-" + i, env));
        }
        for (int i = 0; i < plan.gateways(); i++) {
            int port = AppProcess.freePort();
            ports.add(port);
            Map<String, String> env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    bootstrap,
                    "GATEWAY_HOST",
                    "127.0.0.1",
                    "GATEWAY_PORT",
                    String.valueOf(port),
                    "GATEWAY_INSTANCE_ID",
                    "gateway-" + i,
                    "GATEWAY_CAPACITY_POLL_MS",
                    "500",
                    "GATEWAY_MAX_IN_FLIGHT",
                    String.valueOf(plan.requests() * 2),
                    "GATEWAY_KEY_MAX_CONCURRENT",
                    String.valueOf(plan.requests() * 2),
                    // answers may take the whole drill: a long run of broker kills is not a deadline's business
                    "GATEWAY_DEADLINE_MS",
                    String.valueOf(plan.timeLimit().toMillis()),
                    "GATEWAY_IDLE_TIMEOUT_MS",
                    String.valueOf(plan.timeLimit().plusMinutes(1).toMillis()));
            out.add(service(PackagedApp.GATEWAY, "gateway-" + i, env));
        }
        return out;
    }

    /** A service's packaged app, its log in the drill's folder, with a small heap (several run on one machine). */
    private AppProcess service(PackagedApp app, String name, Map<String, String> env) {
        return AppProcess.of(app, name, env, dir).withJvmOptions(List.of("-Xmx768m", "-XX:+UseSerialGC"));
    }

    /** Every {@code killEvery}: kill -9 a random victim and start it again at once; halfway, restart the broker. */
    private void injectFaults(
            List<AppProcess> services, KraftProcess broker, List<Future<?>> clients, List<Fault> faults)
            throws Exception {
        Random random = new Random(plan.seed());
        Set<PackagedApp> victims =
                plan.victims().stream().map(ServiceCommand.Kind::app).collect(Collectors.toSet());
        List<AppProcess> killable =
                services.stream().filter(s -> victims.contains(s.app())).toList();
        for (int k = 0; k < plan.kills() && clients.stream().anyMatch(f -> !f.isDone()); k++) {
            Thread.sleep(plan.killEvery().toMillis());
            if (brokerRestartAt(k)) {
                log.println(java.time.LocalTime.now()
                        + (plan.brokerKill() ? " kill -9 the broker" : " restarting the broker"));
                faults.add(new Fault(plan.brokerKill() ? "broker kill -9" : "broker restart", System.nanoTime(), 0));
                if (plan.brokerKill()) {
                    broker.kill();
                } else {
                    broker.stop();
                }
                broker.restart();
            }
            AppProcess victim = killable.get(random.nextInt(killable.size()));
            log.println(java.time.LocalTime.now() + " kill -9 " + victim.name());
            faults.add(new Fault("kill -9 " + victim.name(), System.nanoTime(), 0));
            victim.kill();
            victim.start();
        }
    }

    /** Whether the broker restarts before kill {@code k}: {@link Plan#brokerRestarts} times, spread over the kills. */
    private boolean brokerRestartAt(int k) {
        int n = plan.brokerRestarts();
        for (int i = 0; i < n; i++) {
            if (k == (int) ((i + 0.5) * plan.kills() / n)) {
                return true;
            }
        }
        return false;
    }

    private Report report(
            List<ChaosClient> clients, List<int[]> expected, List<Fault> injected, String bootstrap, double seconds) {
        List<Fault> faults = new ArrayList<>();
        for (int f = 0; f < injected.size(); f++) {
            long from = injected.get(f).at() - 1_000_000_000L;
            long to = f + 1 < injected.size() ? injected.get(f + 1).at() - 1_000_000_000L : Long.MAX_VALUE;
            faults.add(new Fault(
                    injected.get(f).name(),
                    injected.get(f).at(),
                    clients.stream()
                            .mapToDouble(c -> c.longestGap(from, to))
                            .max()
                            .orElse(0)));
        }
        int completed = 0;
        int lost = 0;
        int errors = 0;
        int duplicated = 0;
        int differing = 0;
        int truncated = 0;
        int reconnects = 0;
        long delivered = 0;
        List<Double> gaps = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < clients.size(); i++) {
            ChaosClient c = clients.get(i);
            duplicated += c.duplicates();
            reconnects += c.reconnects();
            delivered += c.tokenIds().length;
            if (c.id() != null) {
                ids.add(c.id());
            }
            switch (c.outcome()) {
                case "done" -> {
                    completed++;
                    gaps.add(c.longestGap());
                    if (!Arrays.equals(expected.get(i), c.tokenIds())) {
                        differing++;
                        boolean cut = c.tokenIds().length < expected.get(i).length
                                && Arrays.equals(c.tokenIds(), Arrays.copyOf(expected.get(i), c.tokenIds().length));
                        truncated += cut ? 1 : 0;
                        log.println("answer " + i + " (" + c.id() + ") differs from the undisturbed run"
                                + (cut
                                        ? ": cut short after " + c.tokenIds().length + " tokens, reported complete"
                                        : ""));
                    }
                }
                case "lost" -> {
                    lost++;
                    log.println("answer " + i + " (" + c.id() + ") lost after " + c.tokenIds().length + " tokens");
                }
                default -> {
                    errors++;
                    log.println("answer " + i + " (" + c.id() + ") ended with " + c.outcome());
                }
            }
        }
        gaps.sort(Double::compare);
        return new Report(
                clients.size(),
                completed,
                lost,
                errors,
                duplicated,
                differing,
                truncated,
                faults,
                gaps.isEmpty() ? 0 : gaps.get(gaps.size() / 2),
                gaps.isEmpty() ? 0 : gaps.get(gaps.size() - 1),
                tokensWritten(bootstrap, ids),
                delivered,
                reconnects,
                seconds);
    }

    /** Token chunks of {@code ids} in vlm.tokens, repeats included: what the fusion LLMs wrote in all. */
    private static long tokensWritten(String bootstrap, Set<String> ids) {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(KafkaSettings.of(bootstrap, "chaos-count").consumer(null))) {
            List<TopicPartition> parts = c.partitionsFor(Topics.TOKENS).stream()
                    .map(p -> new TopicPartition(Topics.TOKENS, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (ids.contains(new String(r.key(), StandardCharsets.UTF_8))
                            && !codec.decode(r.value()).getTokenIds().isEmpty()) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
