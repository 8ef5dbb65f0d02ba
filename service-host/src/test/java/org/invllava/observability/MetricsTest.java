package org.invllava.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The meters as Prometheus scrapes them: labels from tagged views and from the call, buckets, gauges read live. */
class MetricsTest {
    @Test
    void viewsOfOneRegistryKeepServicesApartByLabel() {
        Metrics metrics = new Metrics();
        Metrics a = metrics.tagged("model", "inverse-llava");
        Metrics b = metrics.tagged("model", "llava-1.5");
        a.counter("fusion_generated_tokens_total", "tokens").inc();
        b.counter("fusion_generated_tokens_total", "tokens").inc();
        b.counter("fusion_generated_tokens_total", "tokens").inc();
        String text = metrics.scrape();
        assertTrue(text.contains("fusion_generated_tokens_total{model=\"inverse-llava\"} 1"), text);
        assertTrue(text.contains("fusion_generated_tokens_total{model=\"llava-1.5\"} 2"), text);
        assertTrue(text.contains("# HELP fusion_generated_tokens_total tokens"), text);
    }

    @Test
    void countersByLabelAndTheSameCounterTwice() {
        Metrics gw = new Metrics().tagged("gateway", "gw-1");
        gw.counter("gateway_refused_total", "refused", "code", "rate_limited").inc();
        gw.counter("gateway_refused_total", "refused", "code", "rate_limited").inc();
        gw.counter("gateway_refused_total", "refused", "code", "invalid_request")
                .inc();
        assertEquals(
                2,
                gw.counter("gateway_refused_total", "refused", "code", "rate_limited")
                        .get());
        String text = gw.scrape();
        assertTrue(text.contains("gateway_refused_total{code=\"rate_limited\",gateway=\"gw-1\"} 2"), text);
        assertTrue(text.contains("gateway_refused_total{code=\"invalid_request\",gateway=\"gw-1\"} 1"), text);
    }

    @Test
    void histogramsHaveTheirBucketsCountAndSum() {
        Metrics metrics = new Metrics();
        Metrics.Histogram h = metrics.histogram("fusion_batch_size", "batch", Metrics.SIZE_BUCKETS);
        h.observe(3);
        h.observe(8);
        h.observe(100);
        assertEquals(3, h.count());
        String text = metrics.scrape();
        assertTrue(text.contains("fusion_batch_size_bucket{le=\"2.0\"} 0"), text);
        assertTrue(text.contains("fusion_batch_size_bucket{le=\"4.0\"} 1"), text);
        assertTrue(text.contains("fusion_batch_size_bucket{le=\"8.0\"} 2"), text);
        assertTrue(text.contains("fusion_batch_size_bucket{le=\"+Inf\"} 3"), text);
        assertTrue(text.contains("fusion_batch_size_count 3"), text);
        assertTrue(text.contains("fusion_batch_size_sum 111"), text);
    }

    @Test
    void gaugesAreReadAtEachScrapeAndNotCollected() {
        Metrics metrics = new Metrics();
        AtomicInteger active = new AtomicInteger(3);
        metrics.tagged("gateway", "gw-2").gauge("gateway_active_streams", "streams", active::get); // no other reference
        System.gc();
        assertTrue(metrics.scrape().contains("gateway_active_streams{gateway=\"gw-2\"} 3"), metrics.scrape());
        active.set(5);
        assertTrue(metrics.scrape().contains("gateway_active_streams{gateway=\"gw-2\"} 5"), metrics.scrape());
    }
}
