package org.invllava.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.invllava.kafka.TraceContext;

/**
 * Spans for the stages of a request (the gateway's request, the vision encoder's encoding, the fusion LLM's
 * generation), each the child of the {@code traceparent} the request's records carry in their Kafka headers, so one
 * trace covers a request across the three services. On OpenTelemetry: in the Quarkus apps the SDK Quarkus configures
 * (exported over OTLP when {@code QUARKUS_OTEL_SDK_DISABLED=false}; off by default), elsewhere {@link #off()}, which
 * records nothing but still passes the request's {@code traceparent} on.
 */
public final class Tracing {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TraceContext.HEADER);
        }

        @Override
        public String get(String carrier, String key) {
            return TraceContext.HEADER.equals(key) ? carrier : null;
        }
    };

    private final Tracer tracer;

    private Tracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("org.invllava");
    }

    public static Tracing of(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry);
    }

    /** Records nothing; stages keep their parent's {@code traceparent} (a new one where a request begins). */
    public static Tracing off() {
        return new Tracing(OpenTelemetry.noop());
    }

    /**
     * Starts the stage {@code name} of request {@code requestId}, the child of {@code parent} (a {@code traceparent},
     * or null where the request begins: then of the current context, such as the HTTP server's span), started at
     * {@code startNanos} of {@link System#nanoTime} when it began earlier, or now when negative.
     */
    public Stage start(String name, String requestId, String parent, SpanKind kind, long startNanos) {
        Context context = parent == null ? Context.current() : W3C.extract(Context.root(), parent, TRACEPARENT);
        var builder =
                tracer.spanBuilder(name).setParent(context).setSpanKind(kind).setAttribute("request.id", requestId);
        if (startNanos >= 0) {
            long ago = System.nanoTime() - startNanos;
            builder.setStartTimestamp(System.currentTimeMillis() * 1_000_000L - ago, TimeUnit.NANOSECONDS);
        }
        Span span = builder.startSpan();
        return new Stage(span, traceparent(span, parent));
    }

    /** The span's traceparent; with tracing off, the parent's, or a new one where the request begins. */
    private static String traceparent(Span span, String parent) {
        if (span.getSpanContext().isValid()) {
            Map<String, String> carrier = new HashMap<>();
            W3C.inject(Context.root().with(span), carrier, Map::put);
            String own = carrier.get(TraceContext.HEADER);
            if (own != null) {
                return own;
            }
        }
        return parent != null ? parent : TraceContext.newTraceparent();
    }

    /** A started stage: the {@code traceparent} its records carry, attributes, and its end. */
    public static final class Stage {
        private final Span span;
        private final String traceparent;

        Stage(Span span, String traceparent) {
            this.span = span;
            this.traceparent = traceparent;
        }

        public String traceparent() {
            return traceparent;
        }

        public Stage attribute(String key, long value) {
            span.setAttribute(key, value);
            return this;
        }

        public Stage attribute(String key, String value) {
            span.setAttribute(key, value);
            return this;
        }

        /** Ends it; {@code errorCode} non-null marks it failed with that code. */
        public void end(String errorCode) {
            if (errorCode != null) {
                span.setStatus(StatusCode.ERROR, errorCode);
                span.setAttribute("error.code", errorCode);
            }
            span.end();
        }
    }
}
