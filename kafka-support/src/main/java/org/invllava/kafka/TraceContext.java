package org.invllava.kafka;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context ({@code traceparent: 00-<trace id>-<span id>-01}) carried as a Kafka record header from the
 * gateway through every topic of a request, so traces and logs of the three services line up.
 */
public final class TraceContext {
    public static final String HEADER = "traceparent";

    private TraceContext() {}

    /** A new sampled trace with a random trace id and span id. */
    public static String newTraceparent() {
        HexFormat hex = HexFormat.of();
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        ThreadLocalRandom.current().nextBytes(trace);
        ThreadLocalRandom.current().nextBytes(span);
        return "00-" + hex.formatHex(trace) + "-" + hex.formatHex(span) + "-01";
    }

    /** The traceparent of {@code headers}, or null. */
    public static String from(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Sets {@code traceparent} on {@code headers} when there is one. */
    public static void to(Headers headers, String traceparent) {
        if (traceparent != null) {
            headers.remove(HEADER);
            headers.add(HEADER, traceparent.getBytes(StandardCharsets.UTF_8));
        }
    }
}
