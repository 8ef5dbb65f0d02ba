package org.invllava.stack;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A collector for the tests: accepts OTLP/HTTP trace exports (protobuf) from the packaged apps and reads each span's
 * name and trace id out of them ({@code ExportTraceServiceRequest.resource_spans(1) > scope_spans(2) > spans(2)},
 * {@code Span.trace_id(1)}, {@code Span.name(5)}).
 */
final class OtlpReceiver implements AutoCloseable {
    /** One exported span: its name and its trace id in hex. */
    record Span(String name, String traceId) {}

    private final HttpServer server;
    private final List<Span> spans = new ArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        OtlpReceiver receiver = new OtlpReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16));
        receiver.server.createContext("/", ex -> {
            List<Span> read = spans(ByteBuffer.wrap(ex.getRequestBody().readAllBytes()));
            synchronized (receiver.spans) {
                receiver.spans.addAll(read);
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.server.start();
        return receiver;
    }

    /** What turns on the apps' exporter, towards this receiver (uncompressed protobuf, exported every 100 ms). */
    Map<String, String> environment() {
        return Map.of(
                "QUARKUS_OTEL_SDK_DISABLED", "false",
                "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "http://127.0.0.1:" + server.getAddress().getPort(),
                "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf",
                "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms");
    }

    /** Waits until a span named {@code name} has been received. */
    boolean awaitSpan(String name, long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < until) {
            if (!traceIds(name).isEmpty()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The trace ids of the spans whose name has every one of {@code words} received so far. */
    Set<String> traceIdsOfSpansWith(String... words) {
        Set<String> ids = new TreeSet<>();
        synchronized (spans) {
            spans.stream()
                    .filter(s -> Arrays.stream(words).allMatch(s.name()::contains))
                    .forEach(s -> ids.add(s.traceId()));
        }
        return ids;
    }

    /** The trace ids of the spans named {@code name} received so far. */
    Set<String> traceIds(String name) {
        Set<String> ids = new TreeSet<>();
        synchronized (spans) {
            spans.stream().filter(s -> s.name().equals(name)).forEach(s -> ids.add(s.traceId()));
        }
        return ids;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The spans of one {@code ExportTraceServiceRequest}. */
    static List<Span> spans(ByteBuffer request) {
        List<Span> out = new ArrayList<>();
        for (ByteBuffer resourceSpans : fields(request, 1)) {
            for (ByteBuffer scopeSpans : fields(resourceSpans, 2)) {
                for (ByteBuffer span : fields(scopeSpans, 2)) {
                    List<ByteBuffer> traceId = fields(span.duplicate(), 1);
                    List<ByteBuffer> name = fields(span.duplicate(), 5);
                    if (!traceId.isEmpty() && !name.isEmpty()) {
                        out.add(new Span(text(name.get(0)), HexFormat.of().formatHex(bytes(traceId.get(0)))));
                    }
                }
            }
        }
        return out;
    }

    /** The length-delimited fields numbered {@code number} of a protobuf message; the others are skipped. */
    private static List<ByteBuffer> fields(ByteBuffer message, int number) {
        List<ByteBuffer> out = new ArrayList<>();
        ByteBuffer in = message.duplicate();
        while (in.hasRemaining()) {
            long key = varint(in);
            int wireType = (int) (key & 7);
            switch (wireType) {
                case 0 -> varint(in);
                case 1 -> in.position(in.position() + 8);
                case 5 -> in.position(in.position() + 4);
                case 2 -> {
                    int length = (int) varint(in);
                    ByteBuffer value = in.slice(in.position(), length);
                    in.position(in.position() + length);
                    if ((key >>> 3) == number) {
                        out.add(value);
                    }
                }
                default -> throw new IllegalArgumentException("unexpected protobuf wire type " + wireType);
            }
        }
        return out;
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static String text(ByteBuffer b) {
        return new String(bytes(b), StandardCharsets.UTF_8);
    }
}
