package org.invllava.observability;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.DoubleSupplier;

/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with fixed
 * buckets. Thread-safe; label values are given at registration.
 */
public final class Metrics {
    /** Seconds, from 5 ms to a minute. */
    public static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Counts such as batch sizes. */
    public static final double[] SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64};

    private final Map<String, Object> metrics = new ConcurrentHashMap<>();
    private final Map<String, String> help = new ConcurrentHashMap<>();

    public Counter counter(String name, String description, String labels) {
        help.putIfAbsent(name, description);
        return (Counter) metrics.computeIfAbsent(key(name, labels), k -> new Counter());
    }

    public void gauge(String name, String description, DoubleSupplier value) {
        help.putIfAbsent(name, description);
        metrics.put(key(name, ""), value);
    }

    /** A latency histogram in seconds. */
    public Histogram histogram(String name, String description) {
        return histogram(name, description, LATENCY_BUCKETS);
    }

    public Histogram histogram(String name, String description, double[] buckets) {
        help.putIfAbsent(name, description);
        return (Histogram) metrics.computeIfAbsent(key(name, ""), k -> new Histogram(buckets));
    }

    private static String key(String name, String labels) {
        return labels == null || labels.isEmpty() ? name : name + "{" + labels + "}";
    }

    public static final class Counter {
        private final AtomicLong value = new AtomicLong();

        public void inc() {
            value.incrementAndGet();
        }

        public long get() {
            return value.get();
        }
    }

    public static final class Histogram {
        private final double[] bounds;
        private final AtomicLong[] counts;
        private final DoubleAdder sum = new DoubleAdder();
        private final AtomicLong count = new AtomicLong();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new AtomicLong[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                counts[i] = new AtomicLong();
            }
        }

        public void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    counts[i].incrementAndGet();
                }
            }
            sum.add(value);
            count.incrementAndGet();
        }

        public long count() {
            return count.get();
        }
    }

    /** The registry in Prometheus text format. */
    public String scrape() {
        StringBuilder out = new StringBuilder();
        Map<String, Boolean> described = new ConcurrentHashMap<>();
        metrics.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String key = e.getKey();
            String name = key.contains("{") ? key.substring(0, key.indexOf('{')) : key;
            Object m = e.getValue();
            if (described.putIfAbsent(name, true) == null) {
                String type = m instanceof Counter ? "counter" : m instanceof Histogram ? "histogram" : "gauge";
                out.append("# HELP ").append(name).append(' ').append(help.getOrDefault(name, name)).append('\n');
                out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
            }
            if (m instanceof Counter c) {
                out.append(key).append(' ').append(c.get()).append('\n');
            } else if (m instanceof Histogram h) {
                for (int i = 0; i < h.bounds.length; i++) {
                    out.append(name).append("_bucket{le=\"").append(h.bounds[i]).append("\"} ").append(h.counts[i].get()).append('\n');
                }
                out.append(name).append("_bucket{le=\"+Inf\"} ").append(h.count.get()).append('\n');
                out.append(name).append("_sum ").append(String.format(Locale.ROOT, "%.6f", h.sum.sum())).append('\n');
                out.append(name).append("_count ").append(h.count.get()).append('\n');
            } else if (m instanceof DoubleSupplier g) {
                out.append(key).append(' ').append(String.format(Locale.ROOT, "%.3f", g.getAsDouble())).append('\n');
            }
        });
        return out.toString();
    }
}
