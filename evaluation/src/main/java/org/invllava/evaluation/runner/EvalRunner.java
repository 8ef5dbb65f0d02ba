package org.invllava.evaluation.runner;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.invllava.evaluation.bench.Answerer;
import org.invllava.evaluation.bench.EvalItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks every question of a benchmark with {@code concurrency} questions in flight and collects the answers. */
public final class EvalRunner {
    private static final Logger LOG = LoggerFactory.getLogger(EvalRunner.class);

    /** The answers by question id (a question that failed has ""), how many failed, the first failure, time. */
    public record Answers(Map<String, String> byId, int errors, String firstError, double seconds) {}

    private EvalRunner() {}

    public static Answers run(List<EvalItem> items, Answerer answerer, int concurrency, Progress progress)
            throws InterruptedException {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        Map<String, String> answers = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "eval-client");
            t.setDaemon(true);
            return t;
        });
        try {
            for (EvalItem item : items) {
                pool.execute(() -> {
                    try {
                        answers.put(
                                item.id(),
                                answerer.answer(item.prompt(), item.image().read()));
                    } catch (Exception e) {
                        answers.put(item.id(), "");
                        errors.incrementAndGet();
                        if (firstError.compareAndSet(null, item.id() + ": " + e)) {
                            LOG.warn(
                                    "question {} failed (counted wrong; later failures are only counted): {}",
                                    item.id(),
                                    e.toString());
                        }
                    }
                    progress.update(done.incrementAndGet(), errors.get());
                });
            }
        } finally {
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.HOURS)) {
                LOG.info("still answering");
            }
        }
        return new Answers(Map.copyOf(answers), errors.get(), firstError.get(), (System.nanoTime() - start) / 1e9);
    }
}
