package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.ResumeRequest;
import org.invllava.schemas.ErrorCode;

/**
 * The Responses API: {@code POST /v1/responses} (a {@code response} object, or its event stream:
 * {@code response.created}, {@code response.in_progress}, {@code response.output_item.added},
 * {@code response.content_part.added}, one {@code response.output_text.delta} per token, then the
 * {@code .done} events and {@code response.completed}, {@code response.incomplete} or {@code response.failed}, each
 * with its {@code sequence_number}); {@code GET /v1/responses/{id}} (the answer read back while the fusion LLM keeps
 * it, whole or with {@code ?stream=true&starting_after=N}: the events after sequence number N, as OpenAI resumes a
 * background response); {@code POST /v1/responses/{id}/cancel}. Nothing is stored: the answer lives in
 * {@code vlm.tokens} for its deadline.
 */
final class ResponsesApi {
    private final OpenAiApi api;
    private final GatewayConfig config;
    private final ImageInput images;

    ResponsesApi(OpenAiApi api, GatewayConfig config, ImageInput images) {
        this.api = api;
        this.config = config;
        this.images = images;
    }

    void mount(Router router) {
        api.post(router, "/v1/responses", this::create);
        api.keyed(router.get("/v1/responses/:id"), this::retrieve);
        api.keyed(router.post("/v1/responses/:id/cancel"), this::cancel);
    }

    private void create(RoutingContext ctx, RequestDispatcher.Slot slot, JsonNode body) throws GatewayError {
        ResponsesRequest req = ResponsesRequest.parse(body, config, images);
        ResponseJson json = new ResponseJson(req.chat().chat().model(), System.currentTimeMillis() / 1000, req.echo());
        api.dispatch(
                ctx,
                slot,
                req.chat().chat(),
                req.chat().imageUrl(),
                "openai-responses",
                id -> sink(ctx.response(), Vertx.currentContext(), id, json, req.stream(), -1));
    }

    private AnswerSink sink(
            HttpServerResponse response,
            Context context,
            String id,
            ResponseJson json,
            boolean stream,
            long startingAfter) {
        if (stream) {
            return new ResponseEventSink(response, context, id, json, startingAfter);
        }
        return new CollectingSink(
                response,
                context,
                1,
                (choices, finish, usage) -> OpenAiApi.json(
                        response,
                        200,
                        json.response(
                                id,
                                ResponseJson.status(finish),
                                choices.text[0].toString(),
                                choices.anyLogprobs ? choices.logprobs.get(0) : null,
                                usage,
                                null)));
    }

    /** {@code GET /v1/responses/{id}[?stream=true&starting_after=N][&model=...]}: the answer read back. */
    private void retrieve(RoutingContext ctx, RequestDispatcher.Slot slot) {
        boolean stream = Boolean.parseBoolean(ctx.request().getParam("stream", "false"));
        long after;
        ResumeRequest resume;
        try {
            after = Long.parseLong(ctx.request().getParam("starting_after", "-1"));
            resume = ResumeRequest.of(ctx.pathParam("id"), -1)
                    .withModel(ctx.request().getParam("model"));
        } catch (NumberFormatException e) {
            api.refuse(
                    ctx,
                    new GatewayError(ErrorCode.INVALID_REQUEST, "starting_after must be an event's sequence_number"));
            return;
        } catch (GatewayError e) {
            api.refuse(ctx, e);
            return;
        }
        String model = resume.model() == null ? config.models().ids().get(0) : resume.model();
        ResponseJson json = new ResponseJson(model, System.currentTimeMillis() / 1000, ResponseJson.unknownRequest());
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        AnswerSink[] sink = new AnswerSink[1];
        RequestDispatcher.Submission s;
        try { // read from the first chunk: the closing events carry the whole text
            s = api.dispatcher()
                    .resume(
                            resume,
                            slot,
                            "openai-responses",
                            rid -> sink[0] = sink(response, context, rid, json, stream, after));
        } catch (GatewayError e) {
            api.refuse(ctx, e);
            return;
        }
        response.putHeader("x-request-id", s.requestId());
        OpenAiApi.watch(response, s, sink[0]);
    }

    /** {@code POST /v1/responses/{id}/cancel}: the answer stops; its stream, if any, ends as failed. */
    private void cancel(RoutingContext ctx, RequestDispatcher.Slot slot) {
        ResumeRequest id;
        try {
            id = ResumeRequest.of(ctx.pathParam("id"), -1);
        } catch (GatewayError e) {
            api.refuse(ctx, e);
            return;
        }
        Context context = Vertx.currentContext();
        api.dispatcher()
                .cancel(id.requestId(), slot)
                .whenComplete((done, e) -> context.runOnContext(v -> {
                    if (e != null) {
                        api.refuse(
                                ctx,
                                new GatewayError(ErrorCode.UNAVAILABLE, "the cancel could not be published: retry"));
                    } else if (!done) {
                        api.refuse(
                                ctx,
                                new GatewayError(
                                        ErrorCode.NOT_FOUND, "no response resp_" + id.requestId() + " to cancel"));
                    } else {
                        ObjectNode r = OpenAiJson.JSON
                                .createObjectNode()
                                .put("id", "resp_" + id.requestId())
                                .put("object", "response")
                                .put("status", "cancelled");
                        OpenAiApi.json(ctx.response(), 200, r);
                    }
                }));
    }
}
