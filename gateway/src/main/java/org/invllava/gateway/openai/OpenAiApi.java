package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.net.URI;
import java.util.concurrent.CompletionException;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.ApiKeys;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.ResumeRequest;
import org.invllava.schemas.ErrorCode;

/**
 * The OpenAI-compatible API: {@code GET /v1/models} (and one by id), {@code POST /v1/chat/completions}, legacy
 * {@code POST /v1/completions} ({@link CompletionsApi}) and the Responses API ({@link ResponsesApi}). Chat, non-streaming
 * ({@code chat.completion}) or streaming ({@code text/event-stream} of {@code chat.completion.chunk} events
 * ending with {@code data: [DONE]}). A streamed answer's status line waits for its first token, so a request that
 * fails before any token (bad image, prompt over the context, deadline) still gets its HTTP status. Each token event
 * has {@code id:} = its index; a client whose stream broke gets the rest from
 * {@code GET /v1/chat/completions/{id}/stream} with {@code Last-Event-ID} (any replica, within the fusion LLM's
 * grace period; the id is the {@code x-request-id} header or the chunks' {@code id} without {@code chatcmpl-}).
 */
public final class OpenAiApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenAiApi.class);
    private static final String SLOT = "invllava.slot";
    /** How long a refused request's connection stays open for the client to read the answer. */
    private static final long LINGER_MS = 1000;

    private final GatewayConfig config;
    private final RequestDispatcher dispatcher;
    private final ImageInput images;
    private final long created = System.currentTimeMillis() / 1000;

    public OpenAiApi(GatewayConfig config, RequestDispatcher dispatcher, ImageInput images) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.images = images;
    }

    public void mount(Router router) {
        router.get("/v1/models").handler(ctx -> {
            if (authenticate(ctx) != null) {
                json(ctx.response(), 200, OpenAiJson.models(config.models().ids(), created));
            }
        });
        router.get("/v1/models/:id").handler(ctx -> {
            if (authenticate(ctx) == null) {
                return;
            }
            String id = ctx.pathParam("id");
            if (config.models().ids().contains(id)) {
                json(ctx.response(), 200, OpenAiJson.model(id, created));
            } else {
                refuse(ctx, new GatewayError(ErrorCode.MODEL_NOT_FOUND, "the model '" + id + "' does not exist"));
            }
        });
        post(router, "/v1/chat/completions", this::chatCompletions);
        new CompletionsApi(this, config).mount(router);
        new ResponsesApi(this, config, images).mount(router);
        keyed(router.get("/v1/chat/completions/:id/stream"), this::resume);
        router.route("/v1/*")
                .handler(ctx -> refuse(
                        ctx,
                        new GatewayError(
                                ErrorCode.NOT_FOUND,
                                ctx.request().method() + " " + ctx.request().path() + " is not part of this API")));
    }

    /** A request body read as JSON, with its caller's place in flight taken. */
    interface BodyRoute {
        void handle(RoutingContext ctx, RequestDispatcher.Slot slot, JsonNode body) throws GatewayError;
    }

    /**
     * {@code POST path}: the key checked and a place taken from the headers alone, the body read within the request
     * limit and parsed as JSON (then released: the raw body would otherwise stay referenced while the answer
     * streams), then {@code route}; a {@link GatewayError} it throws is the answer.
     */
    void post(Router router, String path, BodyRoute route) {
        router.post(path)
                .handler((SecurityPolicyHandler) this::keyBeforeBody) // no key: its body is never buffered
                .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxRequestBytes()))
                .handler(ctx -> {
                    try {
                        JsonNode body;
                        try {
                            body = OpenAiJson.JSON.readTree(
                                    ctx.body().buffer() == null
                                            ? new byte[0]
                                            : ctx.body().buffer().getBytes());
                        } catch (Exception e) {
                            throw new GatewayError(ErrorCode.INVALID_REQUEST, "the request body is not valid JSON");
                        }
                        ctx.setBody(io.vertx.core.buffer.Buffer.buffer());
                        route.handle(ctx, ctx.get(SLOT), body);
                    } catch (GatewayError e) {
                        refuse(ctx, e);
                    }
                })
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        refuse(
                                ctx,
                                new GatewayError(
                                        ErrorCode.REQUEST_TOO_LARGE,
                                        "the request body is over the limit of "
                                                + config.limits().maxRequestBytes() + " bytes"));
                    } else { // never the exception's text: it names our classes
                        LOG.warn("request to {} failed", ctx.request().path(), ctx.failure());
                        refuse(ctx, new GatewayError(ErrorCode.INVALID_REQUEST, "the request could not be read"));
                    }
                });
    }

    /** A route without a body ({@code GET}, a cancel): the key checked and a place taken, then {@code then}. */
    void keyed(
            io.vertx.ext.web.Route route, java.util.function.BiConsumer<RoutingContext, RequestDispatcher.Slot> then) {
        route.handler((SecurityPolicyHandler) this::keyBeforeBody).handler(ctx -> then.accept(ctx, ctx.get(SLOT)));
    }

    RequestDispatcher dispatcher() {
        return dispatcher;
    }

    /** The caller, or null after answering 401. */
    ApiKeys.Caller authenticate(RoutingContext ctx) {
        try {
            return config.access().keys().authenticate(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), null);
        } catch (GatewayError e) {
            refuse(ctx, e);
            return null;
        }
    }

    /**
     * Checks the key from the headers alone and takes the request's place in flight, then lets the body be read; the
     * slot waits in the context. Registered as a security-policy handler, so that Vert.x runs it before the body's.
     */
    private void keyBeforeBody(RoutingContext ctx) {
        ApiKeys.Caller caller = authenticate(ctx);
        if (caller == null) {
            return;
        }
        RequestDispatcher.Slot slot;
        try {
            slot = dispatcher.admit(caller); // the key's limit bounds the bodies it can have buffered at once
        } catch (GatewayError e) {
            refuse(ctx, e);
            return;
        }
        ctx.put(SLOT, slot);
        ctx.addEndHandler(v -> slot.release().run()); // refused, failed, or the client left: the place is free again
        ctx.next();
    }

    private void chatCompletions(RoutingContext ctx, RequestDispatcher.Slot slot, JsonNode body) throws GatewayError {
        ChatCompletionRequest req = ChatCompletionRequest.parse(body, config, images);
        long now = System.currentTimeMillis() / 1000;
        String model = req.chat().model();
        int n = req.chat().output().n();
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        dispatch(
                ctx,
                slot,
                req.chat(),
                req.imageUrl(),
                "openai",
                id -> req.stream()
                        ? new EventStreamSink(response, context, "chatcmpl-" + id, now, model, req.includeUsage(), n)
                        : new CollectingSink(
                                response,
                                context,
                                n,
                                (choices, finish, usage) -> json(
                                        response,
                                        200,
                                        OpenAiJson.completion("chatcmpl-" + id, now, model, choices, finish, usage))));
    }

    /**
     * Publishes {@code chat} once its image is here: an http(s) {@code imageUrl} is fetched first, inside the
     * caller's place in flight (a client that leaves meanwhile stops the fetch and publishes nothing).
     */
    void dispatch(
            RoutingContext ctx,
            RequestDispatcher.Slot slot,
            ChatRequest chat,
            URI imageUrl,
            String api,
            java.util.function.Function<String, AnswerSink> sinks) {
        if (imageUrl == null) {
            submit(ctx, slot, chat, api, sinks);
            return;
        }
        Context context = Vertx.currentContext();
        java.util.concurrent.CompletableFuture<byte[]> fetch = images.fetch(imageUrl);
        ctx.response().closeHandler(v -> fetch.cancel(true)); // the client left: stop fetching, publish nothing
        fetch.whenComplete((bytes, failure) -> context.runOnContext(v -> {
            if (failure instanceof java.util.concurrent.CancellationException
                    || ctx.response().closed()) {
                return;
            }
            if (failure == null) {
                submit(ctx, slot, chat.withImage(bytes), api, sinks);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                refuse(
                        ctx,
                        cause instanceof GatewayError g
                                ? g
                                : new GatewayError(ErrorCode.INVALID_IMAGE, "the image URL could not be fetched"));
            }
        }));
    }

    private void submit(
            RoutingContext ctx,
            RequestDispatcher.Slot slot,
            ChatRequest chat,
            String api,
            java.util.function.Function<String, AnswerSink> sinks) {
        HttpServerResponse response = ctx.response();
        AnswerSink[] sink = new AnswerSink[1];
        RequestDispatcher.Submission s;
        try {
            s = dispatcher.submit(chat, slot, api, id -> sink[0] = sinks.apply(id));
        } catch (GatewayError e) {
            refuse(ctx, e);
            return;
        }
        response.putHeader("x-request-id", s.requestId());
        watch(response, s, sink[0]);
    }

    /**
     * The client left: a whole-answer request is cancelled; a stream is detached (it may be resumed), also when the
     * client stopped reading it.
     */
    static void watch(HttpServerResponse response, RequestDispatcher.Submission s, AnswerSink sink) {
        if (!(sink instanceof SseSink stream)) {
            response.closeHandler(v -> s.abandon("client disconnected"));
            return;
        }
        response.closeHandler(v -> s.detach("client disconnected"));
        stream.onStall(() -> s.detach("client not reading its stream"));
    }

    /** {@code GET /v1/chat/completions/{id}/stream}: the rest of a streamed answer after {@code Last-Event-ID}. */
    private void resume(RoutingContext ctx, RequestDispatcher.Slot slot) {
        String last = ctx.request().getHeader("Last-Event-ID");
        if (last == null) {
            last = ctx.request().getParam("after");
        }
        ResumeRequest resume;
        try {
            resume = ResumeRequest.parse(ctx.pathParam("id"), last)
                    .withModel(ctx.request().getParam("model"));
        } catch (GatewayError e) {
            refuse(ctx, e);
            return;
        }
        String model = resume.model() == null ? config.models().ids().get(0) : resume.model();
        boolean usage = Boolean.parseBoolean(ctx.request().getParam("include_usage", "false"));
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        EventStreamSink[] stream = new EventStreamSink[1];
        RequestDispatcher.Submission s;
        try {
            s = dispatcher.resume(
                    resume,
                    slot,
                    "openai",
                    rid -> stream[0] = new EventStreamSink(
                            response, context, "chatcmpl-" + rid, System.currentTimeMillis() / 1000, model, usage, 1));
        } catch (GatewayError e) {
            refuse(ctx, e);
            return;
        }
        response.putHeader("x-request-id", s.requestId());
        watch(response, s, stream[0]);
    }

    /**
     * Answers the error; when the request's body has not been read (refused from its headers, or over the limit), the
     * server stops reading it and closes the connection shortly after the answer (a lingering close: closing at once
     * could reset the connection before the client has read the answer), instead of reading on a body nobody uses.
     */
    void refuse(RoutingContext ctx, GatewayError e) {
        dispatcher.refused(e);
        if (!ctx.request().isEnded()) {
            ctx.request().pause();
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            io.vertx.core.http.HttpConnection connection = ctx.request().connection();
            ctx.addEndHandler(v -> ctx.vertx().setTimer(LINGER_MS, t -> connection.close()));
        }
        json(ctx.response(), e.httpStatus(), OpenAiJson.error(e.code(), e.getMessage()));
    }

    /** The OpenAI error object of {@code code} with its HTTP status. */
    static void error(HttpServerResponse response, String code, String message) {
        json(response, ErrorCode.of(code).httpStatus(), OpenAiJson.error(code, message));
    }

    static void json(HttpServerResponse response, int status, ObjectNode body) {
        if (!response.ended() && !response.closed()) {
            response.setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(body.toString());
        }
    }
}
