package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.invllava.kafka.KafkaSettings;
import org.invllava.kafka.TokenLookups;
import org.invllava.observability.Metrics;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.runtime.serving.EngineObserver;
import org.invllava.runtime.weights.DType;
import org.invllava.schemas.WorkItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request whose chunks cannot reach Kafka is reported, never counted as answered (so it is redone), and the
 * instance then says it is broken (liveness down) so that it is restarted.
 */
class RequestWorkerTest {
    @TempDir
    Path dir;

    @Test
    void chunksThatCannotBeWrittenAreReportedAndTheRequestIsNotAnswered() throws Exception {
        // a real producer whose broker does not exist: every send fails after 300 ms without metadata
        KafkaSettings nowhere = KafkaSettings.of("127.0.0.1:1", "unreachable")
                .withSecurity(Map.of("max.block.ms", "300", "reconnect.backoff.max.ms", "100"));
        ExecutorService finisher = Executors.newSingleThreadExecutor();
        try (InverseLlavaModel model = InverseLlavaModel.load(
                        new DemoModelFactory(ModelShape.tiny(), DType.F32, 3).write(dir), LoadOptions.defaults());
                BatchEngine engine = new BatchEngine(model, new EngineConfig(2, 64, 16, 1024), EngineObserver.NONE);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(nowhere.producer())) {
            engine.start();
            CountDownLatch failed = new CountDownLatch(1);
            AtomicInteger answered = new AtomicInteger();
            RequestWorker worker = new RequestWorker(
                    model,
                    engine,
                    producer,
                    new ControlState(nowhere, java.time.Duration.ofSeconds(10), new Metrics()),
                    finisher,
                    failed::countDown,
                    new Metrics(),
                    org.invllava.observability.Tracing.off(),
                    new TokenLookups(nowhere));
            worker.start(
                    new WorkItem(FusionLlmServiceTest.prompt("lost", "hello", false, 3), null),
                    null,
                    false,
                    answered::incrementAndGet);
            assertTrue(failed.await(60, TimeUnit.SECONDS), "the failed write was reported");
            finisher.shutdown();
            assertTrue(finisher.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, answered.get(), "a request whose chunks were not written must not count as answered");
        }
    }

    @Test
    void anInstanceWhoseChunksCannotBeWrittenIsNoLongerAlive() throws Exception {
        KafkaSettings nowhere = KafkaSettings.of("127.0.0.1:1", "unreachable")
                .withSecurity(Map.of("max.block.ms", "300", "reconnect.backoff.max.ms", "100"));
        try (InverseLlavaModel model = InverseLlavaModel.load(
                new DemoModelFactory(ModelShape.tiny(), DType.F32, 3).write(dir), LoadOptions.defaults())) {
            FusionLlmService service = new FusionLlmService(
                    TestConfigs.fusion(nowhere, dir.resolve("state").toString()), model, new Metrics());
            try {
                assertFalse(service.isLive(), "not started: no scheduler thread");
                service.start();
                assertTrue(service.isLive(), "alive while it works");
                service.scheduler().stopAfterWriteFailure(); // what the worker reports (test above)
                assertFalse(service.isLive(), "broken for good: to be restarted");
            } finally {
                service.close();
            }
        }
    }
}
