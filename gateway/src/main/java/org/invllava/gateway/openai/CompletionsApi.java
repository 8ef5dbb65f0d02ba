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
 * Legacy {@code POST /v1/completions}: text prompts (a string or token ids, or a list of either) continued as is,
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

    /** Prompts of one request, at most; and their choices together ({@code prompts · n}), at most. */
    static final int MAX_PROMPTS = 16;

    static final int MAX_TOTAL_CHOICES = 16;

    /** A parsed body: one request per prompt, and how to answer them. */
    record Parsed(List<ChatRequest> chats, boolean stream, boolean includeUsage) {
        ChatRequest first() {
            return chats.get(0);
        }
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
        if (RequestFields.present(root, "best_of")
                && !(root.get("best_of").isIntegralNumber()
                        && root.get("best_of").asInt() == 1)) {
            throw RequestFields.invalid("best_of must be 1 (n gives several choices)");
        }
        if (RequestFields.present(root, "echo") && !root.get("echo").isBoolean()) {
            throw RequestFields.invalid("echo must be true or false");
        }
        boolean echo = root.path("echo").asBoolean(false);
        int logprobs = RequestFields.present(root, "logprobs")
                ? OutputFields.topLogprobs(root.get("logprobs"), "logprobs", OutputFields.MAX_COMPLETION_LOGPROBS)
                : -1;
        List<JsonNode> prompts = prompts(root.get("prompt"));
        int n = OutputFields.n(root);
        if (prompts.size() * n > MAX_TOTAL_CHOICES) {
            throw RequestFields.invalid("prompts times n must be at most " + MAX_TOTAL_CHOICES + " (got "
                    + prompts.size() + " x " + n + ")");
        }
        ChatRequest.Sampling sampling = sampling(root, config, echo);
        List<ChatRequest> chats = new ArrayList<>();
        int chars = 0;
        for (int i = 0; i < prompts.size(); i++) {
            JsonNode prompt = prompts.get(i);
            String at = prompts.size() == 1 ? "prompt" : "prompt[" + i + "]";
            String text = "";
            List<Integer> ids = new ArrayList<>();
            if (prompt.isTextual()) {
                text = RequestFields.text(prompt.asText(), at);
                if (text.isEmpty()) {
                    throw RequestFields.invalid(at + " must not be empty");
                }
            } else {
                for (JsonNode id : prompt) {
                    if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                        throw RequestFields.invalid(at + ": token ids must be non-negative integers");
                    }
                    ids.add(id.asInt());
                }
            }
            chars += text.length() + ids.size();
            ChatRequest.Output output = new ChatRequest.Output(logprobs, echo, n, null, true, ids);
            chats.add(new ChatRequest(
                    model,
                    null,
                    List.of(),
                    text,
                    null,
                    sampling,
                    RequestFields.deadline(root, config.limits()),
                    output));
        }
        RequestFields.promptLength(chars, config.limits());
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw RequestFields.invalid("stream must be a boolean");
        }
        return new Parsed(
                List.copyOf(chats),
                stream != null && stream.asBoolean(),
                root.path("stream_options").path("include_usage").asBoolean(false));
    }

    /** The prompts: a string, token ids, or a list of either (each its own request, its choices numbered after the last's). */
    private static List<JsonNode> prompts(JsonNode p) throws GatewayError {
        if (p == null || p.isNull()) {
            throw RequestFields.invalid("prompt is required");
        }
        List<JsonNode> out = new ArrayList<>();
        if (p.isArray() && !p.isEmpty() && (p.get(0).isTextual() || p.get(0).isArray())) {
            p.forEach(out::add);
        } else {
            out.add(p);
        }
        if (out.size() > MAX_PROMPTS) {
            throw RequestFields.invalid("prompt: at most " + MAX_PROMPTS + " prompts per request");
        }
        for (JsonNode one : out) {
            if (!one.isTextual() && !(one.isArray() && !one.isEmpty())) {
                throw RequestFields.invalid("prompt must be a string, an array of token ids, or a list of either");
            }
        }
        return out;
    }

    /** The sampling fields; {@code max_tokens} 0 only with echo (then the prompt is only scored). */
    private static ChatRequest.Sampling sampling(JsonNode root, GatewayConfig config, boolean echo)
            throws GatewayError {
        if (RequestFields.integer(root, "max_tokens", DEFAULT_MAX_TOKENS) == 0 && !echo) {
            throw RequestFields.invalid("max_tokens 0 needs echo: true (the prompt scored, nothing generated)");
        }
        int max = RequestFields.maxTokens(root, "max_tokens", echo ? 0 : 1, DEFAULT_MAX_TOKENS, config.limits());
        return RequestFields.sampling(root, config.limits(), max);
    }

    private void completions(RoutingContext ctx, RequestDispatcher.Slot slot, JsonNode body) throws GatewayError {
        Parsed req = parse(body, config);
        if (req.chats().size() > 1) {
            new PromptFanOut(api, ctx, slot, req).start();
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        String model = req.first().model();
        int n = req.first().output().n();
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        api.dispatch(
                ctx,
                slot,
                req.first(),
                null,
                "openai",
                id -> req.stream()
                        ? new CompletionStreamSink(
                                response, context, "cmpl-" + id, now, model, req.includeUsage(), n, n, true)
                        : new CollectingSink(
                                response,
                                context,
                                n,
                                (choices, finish, usage) -> OpenAiApi.json(
                                        response,
                                        200,
                                        completion(
                                                "cmpl-" + id, now, model, List.of(choices), List.of(finish), usage))));
    }

    /**
     * A {@code text_completion}: each prompt's choices in order (prompt i's choice j is choice i·n + j), each text
     * after its prompt's echo, with the log probabilities asked for.
     */
    static ObjectNode completion(
            String id, long created, String model, List<Choices> prompts, List<String> finishes, TokenUsage usage) {
        ObjectNode root = OpenAiJson.header(id, "text_completion", created, model);
        var list = root.putArray("choices");
        for (int p = 0; p < prompts.size(); p++) {
            Choices c = prompts.get(p);
            for (int i = 0; i < c.size(); i++) {
                ObjectNode choice =
                        list.addObject().put("index", list.size() - 1).put("text", c.echoText + c.text[i]);
                if (c.anyLogprobs || c.echoLogprobs != null) {
                    ObjectNode lp = choice.putObject("logprobs");
                    List<TokenLogprob> all = new ArrayList<>(c.echoLogprobs == null ? List.of() : c.echoLogprobs);
                    all.addAll(c.logprobs.get(i));
                    LogprobsJson.completions(lp, all, 0);
                } else {
                    choice.putNull("logprobs");
                }
                choice.put("finish_reason", c.finish(i, finishes.get(p)));
            }
        }
        root.set("usage", OpenAiJson.usage(usage));
        return root;
    }
}
