package org.invllava.gateway.openai;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.RequestDispatcher;
import org.invllava.gateway.TokenUsage;

/**
 * A completions request with several prompts: each is published as a request of its own (in the caller's one place
 * in flight, freed when the response ends), and their answers are merged into one response, prompt i's choice j
 * numbered i·n + j, usage summed. Streamed, the prompts' chunks interleave as they come (without {@code id:}: such a
 * stream is not resumable); the first error ends the response and stops the other prompts' answers. Event loop only.
 */
final class PromptFanOut {
    private final OpenAiApi api;
    private final RoutingContext ctx;
    private final RequestDispatcher.Slot slot;
    private final CompletionsApi.Parsed req;
    private final Context context = Vertx.currentContext();
    private final long created = System.currentTimeMillis() / 1000;
    private final List<RequestDispatcher.Submission> submissions = new ArrayList<>();
    private final Choices[] parts;
    private final String[] finishes;
    private final int n;
    private int left;
    private int promptTokens;
    private int completionTokens;
    private boolean over;
    private CompletionStreamSink stream;
    private String id;

    PromptFanOut(OpenAiApi api, RoutingContext ctx, RequestDispatcher.Slot slot, CompletionsApi.Parsed req) {
        this.api = api;
        this.ctx = ctx;
        this.slot = slot;
        this.req = req;
        this.parts = new Choices[req.chats().size()];
        this.finishes = new String[req.chats().size()];
        this.n = req.first().output().n();
        this.left = req.chats().size();
    }

    void start() {
        HttpServerResponse response = ctx.response();
        // the prompts share the request's place: released by the response's end, not by each answer's
        RequestDispatcher.Slot shared = new RequestDispatcher.Slot(slot.keyId(), slot.owner(), () -> {});
        for (int i = 0; i < req.chats().size(); i++) {
            int prompt = i;
            ChatRequest chat = req.chats().get(i);
            try {
                submissions.add(api.dispatcher().submit(chat, shared, "openai", rid -> sink(prompt, rid)));
            } catch (GatewayError e) {
                submissions.forEach(s -> s.abandon("another prompt of the request was refused"));
                api.refuse(ctx, e);
                return;
            }
        }
        response.putHeader("x-request-id", submissions.get(0).requestId());
        response.closeHandler(v -> submissions.forEach(s -> s.abandon("client disconnected")));
    }

    private AnswerSink sink(int prompt, String requestId) {
        if (id == null) {
            id = "cmpl-" + requestId;
            if (req.stream()) {
                stream = new CompletionStreamSink(
                        ctx.response(),
                        context,
                        id,
                        created,
                        req.first().model(),
                        req.includeUsage(),
                        n * req.chats().size(),
                        n,
                        false);
            }
        }
        if (req.stream()) {
            return new Offset(prompt);
        }
        return new CollectingSink(
                context,
                n,
                (choices, finish, usage) -> {
                    parts[prompt] = choices;
                    finishes[prompt] = finish;
                    ended(usage);
                },
                this::fail);
    }

    private void ended(TokenUsage usage) {
        if (usage != null) {
            promptTokens += usage.promptTokens();
            completionTokens += usage.completionTokens();
        }
        if (--left > 0 || over) {
            return;
        }
        over = true;
        TokenUsage total = new TokenUsage(promptTokens, completionTokens);
        if (stream != null) {
            stream.close(total);
        } else {
            OpenAiApi.json(
                    ctx.response(),
                    200,
                    CompletionsApi.completion(
                            id, created, req.first().model(), List.of(parts), List.of(finishes), total));
        }
    }

    private void fail(String code, String message) {
        if (over) {
            return;
        }
        over = true;
        submissions.forEach(s -> s.abandon("another prompt of the request failed"));
        if (stream != null) {
            stream.error(code, message);
        } else {
            OpenAiApi.error(ctx.response(), code, message);
        }
    }

    /** One prompt's answer into the merged stream: its choices moved to i·n + j. */
    private final class Offset implements AnswerSink {
        private final int prompt;

        Offset(int prompt) {
            this.prompt = prompt;
        }

        @Override
        public void token(int index, String text, List<Integer> tokenIds) {
            throw new IllegalStateException("pieces are streamed");
        }

        @Override
        public void piece(Piece p) {
            stream.piece(new Piece(
                    -1, prompt * n + p.choice(), p.text(), p.tokenIds(), p.logprobs(), p.echo(), p.choiceFinish()));
        }

        @Override
        public void done(String finishReason, TokenUsage usage) {
            context.runOnContext(v -> {
                for (int c = 0; c < n; c++) {
                    stream.finish(prompt * n + c, finishReason); // each once: those ended already are skipped
                }
                ended(usage);
            });
        }

        @Override
        public void error(String code, String message) {
            context.runOnContext(v -> fail(code, message));
        }
    }
}
