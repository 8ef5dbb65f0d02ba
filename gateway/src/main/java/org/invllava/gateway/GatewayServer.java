package org.invllava.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.TraceContext;
import org.invllava.observability.Metrics;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ControlAction;
import org.invllava.schemas.ControlMessage;
import org.invllava.schemas.ErrorCodes;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: WebSocket {@code /v1/stream} (one request per connection, answer streamed back), health probes
 * ({@code /q/health/live}, {@code /q/health/ready}) and Prometheus metrics ({@code /q/metrics}). It validates
 * input, assigns the request id, publishes the image and the prompt, relays its own clients' chunks and cancels
 * the work of clients that go away or pass their deadline.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AvroCodec<ImageRequest> IMAGES = AvroCodec.of(ImageRequest.class);
    private static final AvroCodec<PromptRequest> PROMPTS = AvroCodec.of(PromptRequest.class);
    private static final AvroCodec<ControlMessage> CONTROL = AvroCodec.of(ControlMessage.class);

    private final GatewayConfig config;
    private final Vertx vertx;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TokenRelay relay;
    private final Thread relayThread;
    private final Metrics metrics;
    private final ClientStream.GatewayMetrics streamMetrics;
    private final BooleanSupplier othersReady;
    private HttpServer server;

    /**
     * {@code metrics} is the registry served at {@code /q/metrics} (in the local stack, shared by every service);
     * {@code othersReady} adds the readiness of services running in the same process.
     */
    public GatewayServer(GatewayConfig config, Metrics metrics, BooleanSupplier othersReady) {
        this.config = config;
        this.metrics = metrics;
        this.streamMetrics = new ClientStream.GatewayMetrics(metrics);
        this.othersReady = othersReady;
        this.vertx = Vertx.vertx();
        this.producer = new KafkaProducer<>(config.kafka().producer());
        this.relay = new TokenRelay(config.kafka(), config.instanceId());
        this.relayThread = new Thread(relay, "token-relay-" + config.instanceId());
        this.relayThread.setDaemon(true);
        metrics.gauge("gateway_active_streams_" + config.instanceId().replaceAll("[^a-zA-Z0-9_]", "_"),
                "Answers being streamed by this gateway", relay::active);
    }

    /** Starts relaying and listening; returns the bound port. */
    public int start() throws Exception {
        for (String topic : new String[] {Topics.IMAGES, Topics.PROMPTS, Topics.CONTROL}) {
            producer.partitionsFor(topic); // fetch metadata now, so sends never block the event loop
        }
        relayThread.start();
        long until = System.currentTimeMillis() + 30_000;
        while (!relay.ready() && System.currentTimeMillis() < until) {
            Thread.sleep(20);
        }
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setMaxWebSocketMessageSize(config.maxMessageBytes()).setMaxWebSocketFrameSize(1 << 20);
        server = vertx.createHttpServer(options).webSocketHandler(this::onSocket).requestHandler(this::onHttp)
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("gateway {} listening on {}:{}", config.instanceId(), config.host(), server.actualPort());
        return server.actualPort();
    }

    /** The registry served at {@code /q/metrics}. */
    public Metrics metrics() {
        return metrics;
    }

    /** The bound port (after {@link #start}). */
    public int port() {
        return server.actualPort();
    }

    public boolean ready() {
        return relay.ready() && server != null && othersReady.getAsBoolean();
    }

    private void onHttp(HttpServerRequest req) {
        switch (req.path()) {
            case "/q/health/live" -> req.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}");
            case "/q/health/ready" -> req.response().setStatusCode(ready() ? 200 : 503)
                    .putHeader("content-type", "application/json").end("{\"status\":\"" + (ready() ? "UP" : "DOWN") + "\"}");
            case "/q/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4").end(metrics.scrape());
            default -> req.response().setStatusCode(404).end();
        }
    }

    private void onSocket(ServerWebSocket socket) {
        if (!"/v1/stream".equals(socket.path())) {
            socket.reject(404);
            return;
        }
        AtomicReference<ClientStream> current = new AtomicReference<>();
        socket.textMessageHandler(text -> {
            ClientStream active = current.get();
            if (active != null) {
                onFollowUp(active, text);
                return;
            }
            StreamRequest request;
            try {
                request = StreamRequest.parse(text, config);
            } catch (StreamRequest.Invalid e) {
                ClientStream refused = new ClientStream("refused", socket, streamMetrics);
                current.set(refused);
                refused.fail(e.code, e.getMessage());
                return;
            }
            ClientStream stream = new ClientStream(UUID.randomUUID().toString(), socket, streamMetrics);
            current.set(stream);
            accept(stream, request);
        });
        socket.binaryMessageHandler(b -> socket.close((short) 1003, "text messages only"));
        socket.closeHandler(v -> {
            ClientStream s = current.get();
            if (s != null && !s.finished()) {
                cancel(s.requestId(), "client disconnected");
            }
            if (s != null) {
                relay.unregister(s.requestId());
            }
        });
    }

    private void onFollowUp(ClientStream stream, String text) {
        try {
            if ("cancel".equals(JSON.readTree(text).path("type").asText())) {
                cancel(stream.requestId(), "client cancelled");
            }
        } catch (Exception e) {
            LOG.debug("ignoring malformed follow-up message on {}", stream.requestId());
        }
    }

    private void accept(ClientStream stream, StreamRequest request) {
        String id = stream.requestId();
        long now = System.currentTimeMillis();
        long deadline = now + config.deadline().toMillis();
        relay.register(stream);
        streamMetrics.accepted();
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        String trace = TraceContext.newTraceparent();
        LOG.info("request {} accepted (traceparent {})", id, trace);
        if (request.image() != null) {
            ImageRequest image = ImageRequest.newBuilder().setRequestId(id).setImage(ByteBuffer.wrap(request.image()))
                    .setContentType(null).setDeadlineEpochMs(deadline).setCreatedAtEpochMs(now).build();
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(Topics.IMAGES, key, IMAGES.encode(image));
            TraceContext.to(r.headers(), trace);
            producer.send(r, (m, e) -> failed(stream, e));
        }
        PromptRequest prompt = PromptRequest.newBuilder().setRequestId(id).setQuestion(request.prompt())
                .setHasImage(request.image() != null)
                .setSampling(SamplingParameters.newBuilder().setMaxNewTokens(request.maxTokens())
                        .setTemperature(request.temperature()).setTopP(request.topP()).setSeed(request.seed()).build())
                .setDeadlineEpochMs(deadline).setReplyTo(config.instanceId()).setCreatedAtEpochMs(now).build();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(Topics.PROMPTS, key, PROMPTS.encode(prompt));
        TraceContext.to(r.headers(), trace);
        producer.send(r, (m, e) -> failed(stream, e));
        vertx.setTimer(config.deadline().toMillis() + 1000, t -> {
            if (!stream.finished()) {
                stream.fail(ErrorCodes.DEADLINE_EXCEEDED, "no complete answer within " + config.deadline().toSeconds() + " s");
                cancel(id, "deadline exceeded");
                relay.unregister(id);
            }
        });
    }

    private void failed(ClientStream stream, Exception e) {
        if (e != null) {
            LOG.error("cannot publish request {}", stream.requestId(), e);
            stream.fail(ErrorCodes.INTERNAL, "the request could not be queued: " + e.getMessage());
            relay.unregister(stream.requestId());
        }
    }

    private void cancel(String requestId, String reason) {
        ControlMessage m = new ControlMessage(requestId, ControlAction.CANCEL, reason, System.currentTimeMillis());
        producer.send(new ProducerRecord<>(Topics.CONTROL, requestId.getBytes(StandardCharsets.UTF_8), CONTROL.encode(m)));
    }

    @Override
    public void close() {
        relay.close();
        if (server != null) {
            server.close();
        }
        vertx.close();
        producer.close(Duration.ofSeconds(5));
    }
}
