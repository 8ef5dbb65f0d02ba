package org.invllava.gateway.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.ApiKeys;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.ResumeRequest;
import org.invllava.gateway.ServedModels;
import org.invllava.gateway.TokenUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket API {@code /v1/stream}: one request per connection, answered with an {@code accepted} message
 * carrying the request's id, {@code token} messages (each with its {@code index}), then {@code done} or
 * {@code error}, then the socket closes. A later {@code {"type":"cancel"}} cancels the request. A socket that closes
 * before the end leaves the answer generating for the fusion LLM's grace period: a new socket (to any replica) whose
 * first message is {@code {"type":"resume","id":"<id>","after":<last index received>}} gets the rest, each token
 * once; without one, the answer is cancelled. With API keys configured, the handshake needs
 * {@code Authorization: Bearer} (or {@code ?api_key=} where the client cannot set headers) or is refused with 401.
 * The socket takes its key's place in flight at the handshake (429 when the key has none left), before any message,
 * and its messages are assembled frame by frame within the request size limit ({@link FrameGuard}).
 */
public final class StreamSocket implements Handler<RoutingContext> {
    public static final String PATH = "/v1/stream";
    private static final Logger LOG = LoggerFactory.getLogger(StreamSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayConfig.Limits limits;
    private final ServedModels models;
    private final ApiKeys keys;
    private final RequestDispatcher dispatcher;
    private final ImageInput images;
    private final java.time.Duration firstMessageTimeout;

    /** {@code firstMessageTimeout}: a socket that sends no request within it is closed (policy violation). */
    public StreamSocket(
            GatewayConfig.Limits limits,
            ServedModels models,
            ApiKeys keys,
            RequestDispatcher dispatcher,
            ImageInput images,
            java.time.Duration firstMessageTimeout) {
        this.firstMessageTimeout = firstMessageTimeout;
        this.limits = limits;
        this.models = models;
        this.keys = keys;
        this.dispatcher = dispatcher;
        this.images = images;
    }

    /**
     * The upgrade request: authenticated from its headers (or {@code ?api_key=}) before the handshake, refused with
     * the error's HTTP status; a request that is not an upgrade gets 400.
     */
    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
            ctx.response().setStatusCode(400).end("a WebSocket upgrade is expected on " + PATH);
            return;
        }
        RequestDispatcher.Slot slot;
        try {
            List<String> query =
                    new QueryStringDecoder(request.uri()).parameters().get("api_key");
            ApiKeys.Caller caller = keys.authenticate(
                    request.getHeader(HttpHeaders.AUTHORIZATION), query == null ? null : query.get(0));
            slot = dispatcher.admit(caller); // counted from the handshake: a key's sockets are bounded before any byte
        } catch (GatewayError e) {
            dispatcher.refused(e);
            ctx.response().setStatusCode(e.httpStatus()).end();
            return;
        }
        request.toWebSocket().onSuccess(socket -> accept(socket, slot)).onFailure(e -> {
            slot.release().run();
            LOG.debug("WebSocket handshake failed: {}", e.toString());
        });
    }

    private void accept(ServerWebSocket socket, RequestDispatcher.Slot slot) {
        socket.setWriteQueueMaxSize(AnswerSink.MAX_UNREAD_BYTES); // past it, the sink closes a socket that is not read
        Context context = Vertx.currentContext();
        AtomicReference<RequestDispatcher.Submission> current = new AtomicReference<>();
        context.owner().setTimer(firstMessageTimeout.toMillis(), t -> {
            if (current.get() == null && !socket.isClosed()) {
                socket.close((short) 1008, "no request within " + firstMessageTimeout.toMillis() + " ms");
            }
        });
        socket.frameHandler(new FrameGuard(socket, limits.maxRequestBytes(), text -> {
            if (current.get() != null) {
                onFollowUp(current.get(), text);
                return;
            }
            Sink sink = new Sink(socket, context);
            try {
                ResumeRequest resume = StreamRequest.resume(text);
                current.set(
                        resume != null
                                ? dispatcher.resume(resume, slot, "websocket", sink::accepted)
                                : dispatcher.submit(
                                        StreamRequest.parse(text, limits, models, images),
                                        slot,
                                        "websocket",
                                        sink::accepted));
            } catch (GatewayError e) {
                slot.release().run();
                dispatcher.refused(e);
                current.set(REFUSED);
                sink.error(e.code(), e.getMessage());
            }
        }));
        socket.closeHandler(v -> {
            RequestDispatcher.Submission s = current.get();
            if (s != null) {
                s.detach("client disconnected");
            } else {
                slot.release().run(); // it never sent a request
            }
        });
    }

    private static void onFollowUp(RequestDispatcher.Submission submission, String text) {
        try {
            if ("cancel".equals(JSON.readTree(text).path("type").asText())) {
                submission.cancel("client cancelled");
            }
        } catch (Exception e) {
            LOG.debug("ignoring malformed follow-up message on {}", submission.requestId());
        }
    }

    /** Stands for a refused first message: follow-ups and the close have nothing to cancel. */
    private static final RequestDispatcher.Submission REFUSED = new RequestDispatcher.Submission() {
        @Override
        public String requestId() {
            return "refused";
        }

        @Override
        public void cancel(String reason) {}

        @Override
        public void abandon(String reason) {}

        @Override
        public void detach(String reason) {}
    };

    /** Writes the answer's messages on the socket's event loop, in order; the end closes the socket. */
    private record Sink(ServerWebSocket socket, Context context) implements AnswerSink {
        /** Tells the client its request's id (what it resumes with), and answers it from now on. */
        Sink accepted(String id) {
            send(JSON.createObjectNode().put("type", "accepted").put("id", id), false);
            return this;
        }

        @Override
        public void token(int index, String text, List<Integer> tokenIds) {
            ObjectNode m = JSON.createObjectNode()
                    .put("type", "token")
                    .put("index", index)
                    .put("text", text);
            tokenIds.forEach(m.putArray("token_ids")::add);
            send(m, false);
        }

        @Override
        public void done(String finishReason, TokenUsage usage) {
            ObjectNode done = JSON.createObjectNode().put("type", "done").put("finish_reason", finishReason);
            if (usage != null) {
                done.putObject("usage")
                        .put("prompt_tokens", usage.promptTokens())
                        .put("completion_tokens", usage.completionTokens());
            }
            send(done, true);
        }

        @Override
        public void error(String code, String message) {
            send(JSON.createObjectNode().put("type", "error").put("code", code).put("message", message), true);
        }

        private void send(ObjectNode message, boolean last) {
            context.runOnContext(v -> {
                if (!socket.isClosed()) {
                    socket.writeTextMessage(message.toString());
                    if (!last && socket.writeQueueFull()) { // not reading: close (which abandons the request)
                        socket.close((short) 1008, "the client is not reading its answer");
                        return;
                    }
                    if (last) {
                        socket.close((short) 1000, "done");
                    }
                }
            });
        }
    }
}
