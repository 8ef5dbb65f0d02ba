package org.invllava.stack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.demo.DemoImages;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.ModelSource;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-bulk}: a bulk job written straight to the topics ({@code PromptRequest.bulk}) beside interactive
 * WebSocket requests: the job's tokens/s, and interactive time to first token without the job and during it.
 */
@Command(
        name = "bench-bulk",
        mixinStandardHelpOptions = true,
        description = "A bulk job's throughput and the interactive TTFT beside it (demo shape, random weights).")
final class BulkBenchCommand implements Callable<Integer> {
    @Option(names = "--bulk-requests", defaultValue = "1000")
    int bulkRequests;

    @Option(names = "--interactive", defaultValue = "40", description = "interactive requests measured without the job")
    int interactive;

    @Option(names = "--max-tokens", defaultValue = "16")
    int maxTokens;

    @Option(names = "--text-only", description = "bulk requests without images (as bench-serving's prompts)")
    boolean textOnly;

    @Option(
            names = "--not-bulk",
            description = "send the job as interactive requests (the comparison without priority)")
    boolean notBulk;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("inverse-llava-bench-bulk");
        List<ModelSource> models =
                List.of(new ModelSource.InverseLlava(DemoModelFactory.writeRandomDemo(dir.resolve("m"))));
        try (LocalStack stack =
                LocalStack.start(new LocalStack.Options(models, Map.of(), null, 0, 1, Map.of(), dir, null))) {
            int port = stack.gatewayPorts().get(0);
            byte[] img = DemoImages.png(64, 48, 1);
            List<Double> alone = new ArrayList<>();
            for (int i = 0; i < interactive + 2; i++) {
                double t = ttft(port, img);
                if (i >= 2) {
                    alone.add(t);
                }
            }
            Job job = new Job(stack.bootstrapServers(), bulkRequests);
            long t0 = System.nanoTime();
            job.send(img);
            List<Double> during = new ArrayList<>();
            while (!job.done()) {
                during.add(ttft(port, img));
            }
            double seconds = (job.lastFinishNanos.get() - t0) / 1e9;
            job.close();
            System.out.printf(
                    Locale.ROOT,
                    "%s%n%d %s requests (%s), %d tokens each: %.1f s, %.1f tokens/s, %.1f requests/s%n",
                    "machine: " + org.invllava.runtime.bench.MachineProbe.cpuDescription(),
                    bulkRequests,
                    notBulk ? "interactive-class" : "bulk",
                    textOnly ? "text only" : "64x48 images",
                    maxTokens,
                    seconds,
                    job.tokens.get() / seconds,
                    bulkRequests / seconds);
            System.out.println("| interactive TTFT (WebSocket, one at a time) | requests | p50 ms | p99 ms |");
            System.out.println("|---|---|---|---|");
            row("without the job", alone);
            row("during the job", during);
        }
        return 0;
    }

    private double ttft(int port, byte[] img) throws Exception {
        return PipelineBenchCommand.viaWebSocket(port, "What is in the image?", img, maxTokens)
                .ttftMs();
    }

    private static void row(String name, List<Double> ms) {
        List<Double> s = ms.stream().sorted().toList();
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.1f | %.1f |%n",
                name,
                s.size(),
                PipelineBenchCommand.pct(s, 50),
                PipelineBenchCommand.pct(s, 99));
    }

    /** The bulk job: its records sent at once, and a reader of vlm.tokens counting its tokens and final chunks. */
    private final class Job implements AutoCloseable {
        final Set<String> open = ConcurrentHashMap.newKeySet();
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong lastFinishNanos = new AtomicLong();
        final KafkaProducer<byte[], byte[]> producer;
        final Thread reader;
        volatile boolean stop;

        Job(String bootstrap, int n) {
            for (int i = 0; i < n; i++) {
                open.add("bulk-" + i);
            }
            KafkaSettings settings = KafkaSettings.of(bootstrap, "bench-bulk");
            producer = new KafkaProducer<>(settings.producer());
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer("bench-bulk-reader"));
            consumer.subscribe(List.of(Topics.TOKENS));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.seekToEnd(consumer.assignment());
            consumer.assignment().forEach(consumer::position);
            AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
            reader = new Thread(
                    () -> {
                        try (consumer) {
                            while (!stop && !open.isEmpty()) {
                                for (var r : consumer.poll(Duration.ofMillis(50))) {
                                    TokenChunk c = codec.decode(r.value());
                                    if (open.contains(c.getRequestId())) {
                                        tokens.addAndGet(c.getTokenIds().size());
                                        if (c.getFinishReason() != null) {
                                            open.remove(c.getRequestId());
                                            lastFinishNanos.set(System.nanoTime());
                                        }
                                    }
                                }
                            }
                        }
                    },
                    "bulk-reader");
            reader.start();
        }

        void send(byte[] img) {
            AvroCodec<ImageRequest> images = AvroCodec.of(ImageRequest.class);
            AvroCodec<PromptRequest> prompts = AvroCodec.of(PromptRequest.class);
            long now = System.currentTimeMillis();
            for (String id : List.copyOf(open)) {
                byte[] key = id.getBytes(StandardCharsets.UTF_8);
                if (!textOnly) {
                    producer.send(new ProducerRecord<>(
                            Topics.IMAGES,
                            key,
                            images.encode(ImageRequest.newBuilder()
                                    .setRequestId(id)
                                    .setImage(ByteBuffer.wrap(img))
                                    .setContentType(null)
                                    .setDeadlineEpochMs(now + 3_600_000)
                                    .setCreatedAtEpochMs(now)
                                    .build())));
                }
                producer.send(new ProducerRecord<>(
                        Topics.PROMPTS,
                        key,
                        prompts.encode(PromptRequest.newBuilder()
                                .setRequestId(id)
                                .setQuestion("Describe the picture.")
                                .setHasImage(!textOnly)
                                .setSampling(SamplingParameters.newBuilder()
                                        .setMaxNewTokens(maxTokens)
                                        .build())
                                .setDeadlineEpochMs(now + 3_600_000)
                                .setReplyTo("bench-bulk")
                                .setCreatedAtEpochMs(now)
                                .setBulk(!notBulk)
                                .build())));
            }
            producer.flush();
        }

        boolean done() {
            return open.isEmpty();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            reader.join();
            producer.close();
        }
    }
}
