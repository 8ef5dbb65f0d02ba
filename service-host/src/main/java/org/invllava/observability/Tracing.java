package org.invllava.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.Headers;

/**
 * Spans for the stages of a request (the gateway's request, the vision encoder's encoding, the fusion LLM's
 * generation), on OpenTelemetry: in the Quarkus apps the SDK Quarkus configures (exported over OTLP when
 * {@code QUARKUS_OTEL_SDK_DISABLED=false}; off by default), elsewhere {@link #off()}. A stage's context travels in
 * the W3C {@code traceparent} header of the request's Kafka records: producers are wrapped by OpenTelemetry's Kafka
 * instrumentation ({@link #producer}: a {@code publish} span per record, its context in the headers) and each stage
 * starts from the context its record carries ({@link #extract}), so one trace covers a request across the three
 * services. With tracing off the stages record nothing, but every record of a request still carries one
 * {@code traceparent} (a new one where the request begins), which the services log.
 */
public final class Tracing {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private final Tracer tracer;
    private final KafkaTelemetry kafka;

    private Tracing(OpenTelemetry openTelemetry, boolean recording) {
        this.tracer = openTelemetry.getTracer("org.invllava");
        this.kafka = recording ? KafkaTelemetry.create(openTelemetry) : null;
    }

    public static Tracing of(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry, true);
    }

    /** Records nothing; stages keep their parent's context (a new one where a request begins). */
    public static Tracing off() {
        return new Tracing(OpenTelemetry.noop(), false);
    }

    /** {@code producer}, its sends traced by OpenTelemetry's Kafka instrumentation (as it is with tracing off). */
    public <K, V> Producer<K, V> producer(Producer<K, V> producer) {
        return kafka == null ? producer : kafka.wrap(producer);
    }

    /** The context a record's headers carry (none: the root context). */
    public static Context extract(Headers headers) {
        return W3C.extract(Context.root(), headers, KafkaHeaders.GETTER);
    }

    /**
     * Starts the stage {@code name} of request {@code requestId}, the child of {@code parent} (a record's context,
     * {@link #extract}, or null where the request begins: then of the current context, such as the HTTP server's
     * span), started at {@code startNanos} of {@link System#nanoTime} when it began earlier, or now when negative.
     */
    public Stage start(String name, String requestId, Context parent, SpanKind kind, long startNanos) {
        Context from = parent == null ? Context.current() : parent;
        var builder = tracer.spanBuilder(name).setParent(from).setSpanKind(kind).setAttribute("request.id", requestId);
        if (startNanos >= 0) {
            long ago = System.nanoTime() - startNanos;
            builder.setStartTimestamp(System.currentTimeMillis() * 1_000_000L - ago, TimeUnit.NANOSECONDS);
        }
        Span span = builder.startSpan();
        return new Stage(span, from.with(span.getSpanContext().isValid() ? span : carrier(from)));
    }

    /** With tracing off: the parent's span context, or a new one where the request begins (it records nothing). */
    private static Span carrier(Context parent) {
        Span from = Span.fromContext(parent);
        if (from.getSpanContext().isValid()) {
            return from;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Span.wrap(SpanContext.create(
                TraceId.fromLongs(random.nextLong(), random.nextLong() | 1),
                SpanId.fromLong(random.nextLong() | 1),
                TraceFlags.getSampled(),
                TraceState.getDefault()));
    }

    /** A started stage: its context (for the records it writes), attributes, and its end. */
    public static final class Stage {
        private final Span span;
        private final Context context;

        Stage(Span span, Context context) {
            this.span = span;
            this.context = context;
        }

        /** The context this stage's records carry: its span's. */
        public Context context() {
            return context;
        }

        /** Makes this stage's context current (a traced producer's {@code publish} span becomes its child). */
        public Scope makeCurrent() {
            return context.makeCurrent();
        }

        /** Puts this stage's context in {@code headers} (a traced producer then replaces it with its publish span's). */
        public void inject(Headers headers) {
            W3C.inject(context, headers, KafkaHeaders.SETTER);
        }

        /** The W3C {@code traceparent} of this stage, as its records carry it (for logs). */
        public String traceparent() {
            Map<String, String> carrier = new HashMap<>();
            W3C.inject(context, carrier, Map::put);
            return carrier.get("traceparent");
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
