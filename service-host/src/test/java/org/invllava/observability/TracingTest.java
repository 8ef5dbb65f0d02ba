package org.invllava.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** One trace per request across the stages, parented through the context the records' headers carry; off passes it on. */
class TracingTest {
    @Test
    void theStagesOfARequestFormOneTraceThroughTheirTraceparents() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Tracing tracing = Tracing.of(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build());
        Tracing.Stage gateway = tracing.start("gateway.request", "r1", null, SpanKind.SERVER, -1);
        Tracing.Stage vision = tracing.start(
                "vision.encode", "r1", carried(gateway), SpanKind.CONSUMER, System.nanoTime() - 5_000_000);
        vision.attribute("patches", 576).end(null);
        Tracing.Stage fusion = tracing.start("fusion.generate", "r1", carried(gateway), SpanKind.CONSUMER, -1);
        fusion.end("deadline_exceeded");
        gateway.end(null);

        List<SpanData> done = spans.getFinishedSpanItems();
        assertEquals(3, done.size());
        SpanData g = find(done, "gateway.request");
        SpanData v = find(done, "vision.encode");
        SpanData f = find(done, "fusion.generate");
        assertEquals(g.getTraceId(), v.getTraceId());
        assertEquals(g.getTraceId(), f.getTraceId());
        assertEquals(g.getSpanId(), v.getParentSpanId(), "the encoder's span is the child of the request's");
        assertEquals(g.getSpanId(), f.getParentSpanId());
        assertEquals("00-" + g.getTraceId() + "-" + g.getSpanId() + "-01", gateway.traceparent());
        assertEquals("r1", v.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("request.id")));
        assertTrue(v.getEndEpochNanos() - v.getStartEpochNanos() >= 5_000_000, "started when its batch was polled");
        assertEquals(StatusCode.ERROR, f.getStatus().getStatusCode());
        assertEquals(StatusCode.UNSET, g.getStatus().getStatusCode());
    }

    @Test
    void offRecordsNothingButPassesTheTraceparentOn() {
        Tracing off = Tracing.off();
        Tracing.Stage first = off.start("gateway.request", "r2", null, SpanKind.SERVER, -1);
        assertTrue(first.traceparent().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), first.traceparent());
        Tracing.Stage next = off.start("vision.encode", "r2", carried(first), SpanKind.CONSUMER, -1);
        assertEquals(first.traceparent(), next.traceparent(), "every record of the request carries the same one");
        assertNotEquals(
                first.traceparent(),
                off.start("gateway.request", "r3", null, SpanKind.SERVER, -1).traceparent());
        next.end(null);
    }

    /** The context a record written by {@code stage} carries to the next service, read back from its headers. */
    private static Context carried(Tracing.Stage stage) {
        Headers headers = new RecordHeaders();
        stage.inject(headers);
        return Tracing.extract(headers);
    }

    private static SpanData find(List<SpanData> spans, String name) {
        return spans.stream()
                .filter(s -> s.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name));
    }
}
