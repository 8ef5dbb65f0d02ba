package org.invllava.observability;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.DoubleSupplier;

/**
 * The services' meters on Micrometer: counters, gauges and histograms with fixed buckets, each with labels (tags).
 * In a Quarkus app the registry is Quarkus' own (served at {@code /q/metrics} with the JVM's meters); elsewhere
 * (the local stack, tests) a Prometheus registry of its own. {@link #tagged} gives a view whose meters all carry
 * one more label, such as {@code model} or {@code gateway}, so that services sharing a registry stay apart.
 */
public final class Metrics {
    /** Seconds, from 5 ms to a minute. */
    public static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Counts such as batch sizes. */
    public static final double[] SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64};

    private final MeterRegistry registry;
    private final Tags tags;

    /** A Prometheus registry of its own. */
    public Metrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Meters registered in {@code registry} (Quarkus': what {@code /q/metrics} serves). */
    public Metrics(MeterRegistry registry) {
        this(registry, Tags.empty());
    }

    private Metrics(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    /** The same registry; every meter registered through the view also carries {@code key=value}. */
    public Metrics tagged(String key, String value) {
        return new Metrics(registry, tags.and(key, value));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A counter; {@code labels} are key, value pairs. */
    public Counter counter(String name, String description, String... labels) {
        return new Counter(io.micrometer.core.instrument.Counter.builder(name)
                .description(description)
                .tags(tags.and(labels))
                .register(registry));
    }

    /** A gauge read at each scrape; the registry holds {@code value} (not weakly, as Micrometer would by default). */
    public void gauge(String name, String description, DoubleSupplier value, String... labels) {
        Gauge.builder(name, value, DoubleSupplier::getAsDouble)
                .description(description)
                .tags(tags.and(labels))
                .strongReference(true)
                .register(registry);
    }

    /** A latency histogram in seconds. */
    public Histogram histogram(String name, String description) {
        return histogram(name, description, LATENCY_BUCKETS);
    }

    /** A histogram with the given bucket bounds ({@code le}). */
    public Histogram histogram(String name, String description, double[] buckets) {
        return new Histogram(DistributionSummary.builder(name)
                .description(description)
                .tags(tags)
                .serviceLevelObjectives(buckets)
                .register(registry));
    }

    /** The registry in Prometheus text format (the Prometheus registry itself, or the one inside a composite). */
    public String scrape() {
        PrometheusMeterRegistry prometheus = prometheus(registry);
        if (prometheus == null) {
            throw new IllegalStateException(
                    "no Prometheus registry in " + registry.getClass().getName());
        }
        return prometheus.scrape();
    }

    private static PrometheusMeterRegistry prometheus(MeterRegistry r) {
        if (r instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (r instanceof CompositeMeterRegistry c) {
            for (MeterRegistry inner : c.getRegistries()) {
                PrometheusMeterRegistry p = prometheus(inner);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** A monotonically increasing count. */
    public static final class Counter {
        private final io.micrometer.core.instrument.Counter counter;

        Counter(io.micrometer.core.instrument.Counter counter) {
            this.counter = counter;
        }

        public void inc() {
            counter.increment();
        }

        public void inc(long n) {
            counter.increment(n);
        }

        public long get() {
            return (long) counter.count();
        }
    }

    /** Observed values in fixed buckets, with their count and sum. */
    public static final class Histogram {
        private final DistributionSummary summary;

        Histogram(DistributionSummary summary) {
            this.summary = summary;
        }

        public void observe(double value) {
            summary.record(value);
        }

        public long count() {
            return summary.count();
        }
    }
}
