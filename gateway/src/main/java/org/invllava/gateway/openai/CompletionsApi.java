package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.RequestFields;
import org.invllava.gateway.TokenUsage;
import org.invllava.schemas.TokenLogprob;

/**
 * Legacy {@code POST /v1/completions}: a text prompt (a string or token ids, also as a list of one) continued as is,
 * without the chat template or an image, by the routed model's fusion LLM. {@code echo} puts the prompt before the
 * answer and, with {@code logprobs} (0..5), the prompt tokens' log probabilities before the answer's (the first null):
 * what evaluation harnesses score multiple choice with; {@code max_tokens} 0 is allowed then (the prompt scored,
 * nothing generated). {@code n} choices; {@code suffix} and {@code best_of} above 1 are refused.
 */
final class CompletionsApi {
    /** OpenAI's default {@code max_tokens} for completions. */
    static final int DEFAULT_MAX_TOKENS = 16;
    private final OpenAiApi api;
    private final GatewayConfig config;

    CompletionsApi(OpenAiApi api, GatewayConfig config) {
        this.api = api;
        this.config = config;
    }

    void mount(Router router) {
        api.post(router, "/v1/completions", this::completions);
    }

    /** A parsed body: the request, and how to answer it. */
    record Parsed(ChatRequest chat, boolean stream, boolean includeUsage) {
    }

    static Parsed parse(JsonNode root, GatewayConfig config) throws GatewayError {
        if (root == null || !root.isObject()) {
            throw RequestFields.invalid("the request body must be a JSON object");
        }
        String model = config.models().resolve(root);
        for (String field : List.of("suffix", "logit_bias")) {
            if (RequestFields.present(root, field)) {
                throw RequestFields.invalid(field + " is not supported");
            }
        }
        if (RequestFields.present(root, "best_of") && !(root.get("best_of").isIntegralNumber() && root.get("best_of").asInt() == 1)) {
            throw RequestFields.invalid("best_of must be 1 (n gives several choices)");
        }
        if (RequestFields.present(root, "echo") && !root.get("echo").isBoolean()) {
            throw RequestFields.invalid("echo must be true or false");
        }
        boolean echo = root.path("echo").asBoolean(false);
        int logprobs = RequestFields.present(root, "logprobs")
                ? OutputFields.topLogprobs(root.get("logprobs"), "logprobs", OutputFields.MAX_COMPLETION_LOGPROBS) : -1;
        JsonNode prompt = prompt(root.get("prompt"));
        String text = "";
        List<Integer> ids = new ArrayList<>();
        if (prompt.isTextual()) {
            text = RequestFields.text(prompt.asText(), "prompt");
            if (text.isEmpty()) {
                throw RequestFields.invalid("prompt must not be empty");
            }
        } else {
            for (JsonNode id : prompt) {
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                    throw RequestFields.invalid("prompt token ids must be non-negative integers");
                }
                ids.add(id.asInt());
            }
        }
        RequestFields.promptLength(text.length() + ids.size(), config.limits());
        ChatRequest.Sampling sampling = sampling(root, config, echo);
        ChatRequest.Output output = new ChatRequest.Output(logprobs, echo, OutputFields.n(root), null, true, ids);
        ChatRequest chat = new ChatRequest(model, null, List.of(), text, null, sampling,
                RequestFields.deadline(root, config.limits()), output);
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw RequestFields.invalid("stream must be a boolean");
        }
        return new Parsed(chat, stream != null && stream.asBoolean(),
                root.path("stream_options").path("include_usage").asBoolean(false));
    }

    /** The one prompt: a string, token ids, or a list holding one of them. */
    private static JsonNode prompt(JsonNode p) throws GatewayError {
        if (p == null || p.isNull()) {
            throw RequestFields.invalid("prompt is required");
        }
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            p = p.get(0);
        } else if (p.isArray() && !p.isEmpty() && (p.get(0).isTextual() || p.get(0).isArray())) {
            throw RequestFields.invalid("prompt: one prompt per request (send the others as requests of their own)");
        }
        if (p.isTextual() || (p.isArray() && !p.isEmpty())) {
            return p;
        }
        throw RequestFields.invalid("prompt must be a string, an array of token ids, or a list of one of them");
    }

    /** The sampling fields; {@code max_tokens} 0 only with echo (then the prompt is only scored). */
    private static ChatRequest.Sampling sampling(JsonNode root, GatewayConfig config, boolean echo) throws GatewayError {
        int max = RequestFields.integer(root, "max_tokens", DEFAULT_MAX_TOKENS);
        if (max == 0 && !echo) {
            throw RequestFields.invalid("max_tokens 0 needs echo: true (the prompt scored, nothing generated)");
        }
        ObjectNode copy = root.deepCopy();
        copy.put("max_tokens", Math.max(1, max));
        copy.remove("max_completion_tokens");
        ChatRequest.Sampling s = RequestFields.sampling(copy, config.limits());
        return new ChatRequest.Sampling(max, s.temperature(), s.topP(), s.seed(), s.stop());
    }

    private void completions(RoutingContext ctx, RequestDispatcher.Slot slot, JsonNode body) throws GatewayError {
        Parsed req = parse(body, config);
        long now = System.currentTimeMillis() / 1000;
        String model = req.chat().model();
        int n = req.chat().output().n();
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        api.dispatch(ctx, slot, req.chat(), null, "openai", id -> req.stream()
                ? new StreamSink(response, context, "cmpl-" + id, now, model, req.includeUsage(), n)
                : new CollectingSink(context, n, (choices, finish, usage) -> OpenAiApi.json(response, 200,
                        completion("cmpl-" + id, now, model, choices, finish, usage)),
                        (code, message) -> OpenAiApi.json(response, GatewayError.httpStatus(code),
                                OpenAiJson.error(code, message))));
    }

    /** A {@code text_completion}: each choice's text after the echo, with the log probabilities asked for. */
    static ObjectNode completion(String id, long created, String model, Choices c, String finish, TokenUsage usage) {
        ObjectNode root = OpenAiJson.header(id, "text_completion", created, model);
        var list = root.putArray("choices");
        for (int i = 0; i < c.size(); i++) {
            ObjectNode choice = list.addObject().put("index", i).put("text", c.echoText + c.text[i]);
            if (c.anyLogprobs || c.echoLogprobs != null) {
                ObjectNode lp = choice.putObject("logprobs");
                List<TokenLogprob> all = new ArrayList<>(c.echoLogprobs == null ? List.of() : c.echoLogprobs);
                all.addAll(c.logprobs.get(i));
                LogprobsJson.completions(lp, all, 0);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", c.finish(i, finish));
        }
        root.set("usage", OpenAiJson.usage(usage));
        return root;
    }

    /** A streamed completion: {@code text_completion} chunks, the echo first, each choice's end, then [DONE]. */
    private static final class StreamSink extends SseSink {
        private final String id;
        private final long created;
        private final String model;
        private final boolean includeUsage;
        private final java.util.Map<Integer, Integer> offsets = new java.util.HashMap<>(); // event loop only
        private final java.util.Set<Integer> ended = new java.util.HashSet<>();
        private final int n;

        StreamSink(HttpServerResponse response, Context context, String id, long created, String model,
                   boolean includeUsage, int n) {
            super(response, context);
            this.id = id;
            this.created = created;
            this.model = model;
            this.includeUsage = includeUsage;
            this.n = n;
        }

        @Override
        public void token(int index, String text, List<Integer> tokenIds) {
            throw new IllegalStateException("pieces are streamed");
        }

        @Override
        public void piece(Piece p) {
            onLoop(() -> {
                if (p.choiceFinish() != null) {
                    ended.add(p.choice());
                    event(null, chunk(p.choice(), "", null, OpenAiJson.finishReason(p.choiceFinish())).toString(), -1);
                    return;
                }
                for (int c = p.echo() ? 0 : p.choice(); c <= (p.echo() ? n - 1 : p.choice()); c++) { // the echo: every choice's
                    ObjectNode lp = null;
                    if (p.logprobs() != null) {
                        lp = OpenAiJson.JSON.createObjectNode();
                        LogprobsJson.completions(lp, p.logprobs(), offsets.getOrDefault(c, 0));
                    }
                    offsets.merge(c, p.text().length(), Integer::sum);
                    event(null, chunk(c, p.text(), lp, null).toString(), p.index());
                }
            });
        }

        private ObjectNode chunk(int choice, String text, ObjectNode logprobs, String finish) {
            ObjectNode root = OpenAiJson.header(id, "text_completion", created, model);
            ObjectNode c = root.putArray("choices").addObject().put("index", choice).put("text", text);
            c.set("logprobs", logprobs);
            if (finish == null) {
                c.putNull("finish_reason");
            } else {
                c.put("finish_reason", finish);
            }
            return root;
        }

        @Override
        public void done(String finishReason, TokenUsage usage) {
            onLoop(() -> {
                if (ended.isEmpty()) {
                    event(null, chunk(0, "", null, OpenAiJson.finishReason(finishReason)).toString(), -1);
                }
                if (includeUsage) {
                    ObjectNode u = OpenAiJson.header(id, "text_completion", created, model);
                    u.putArray("choices");
                    u.set("usage", OpenAiJson.usage(usage));
                    event(null, u.toString(), -1);
                }
                end("data: [DONE]\n\n");
            });
        }
    }
}
