package org.invllava.gateway;

import org.invllava.observability.Metrics;

/** What the gateway reports at {@code /q/metrics}. */
final class GatewayMetrics {
    private final Metrics registry;
    private final Metrics.Histogram ttft;
    private final Metrics.Histogram itl;

    GatewayMetrics(Metrics registry) {
        this.registry = registry;
        this.ttft = registry.histogram("gateway_time_to_first_token_seconds", "Request accepted to first token sent");
        this.itl = registry.histogram("gateway_inter_token_latency_seconds", "Time between consecutive tokens sent");
    }

    void observeToken(long nanos, boolean first) {
        (first ? ttft : itl).observe(nanos / 1e9);
    }

    void accepted(String api) {
        registry.counter("gateway_requests_total", "Requests accepted, by API", "api", api)
                .inc();
    }

    void refused(String code) {
        registry.counter("gateway_refused_total", "Requests refused before publishing, by code", "code", code)
                .inc();
    }

    void error(String code) {
        registry.counter("gateway_errors_total", "Requests ended with an error, by code", "code", code)
                .inc();
    }

    void finished(String outcome) {
        registry.counter("gateway_requests_finished_total", "Requests ended, by outcome", "outcome", outcome)
                .inc();
    }
}
