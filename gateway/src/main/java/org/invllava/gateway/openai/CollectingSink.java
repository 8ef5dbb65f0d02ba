package org.invllava.gateway.openai;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.BiConsumer;
import org.invllava.gateway.AnswerSink;
import org.invllava.gateway.TokenUsage;

/** A whole answer for a non-streamed response: collected, then written on the event loop by {@code onDone}. */
final class CollectingSink implements AnswerSink {
    /** Writes the response of a complete answer: its choices, the answer's finish reason, its usage. */
    interface Done {
        void write(Choices choices, String finishReason, TokenUsage usage);
    }

    private final Context context;
    private final Choices choices;
    private final Done onDone;
    private final BiConsumer<String, String> onError;

    CollectingSink(Context context, int n, Done onDone, BiConsumer<String, String> onError) {
        this.context = context;
        this.choices = new Choices(n);
        this.onDone = onDone;
        this.onError = onError;
    }

    /** The answer of a request answered alone: its error is the response's (an OpenAI error object and status). */
    CollectingSink(HttpServerResponse response, Context context, int n, Done onDone) {
        this(context, n, onDone, (code, message) -> OpenAiApi.error(response, code, message));
    }

    @Override
    public void token(int index, String text, List<Integer> tokenIds) {
        throw new IllegalStateException("pieces are collected");
    }

    @Override
    public void piece(Piece p) {
        choices.add(p); // called in order by one thread; read on the event loop after done()
    }

    @Override
    public void done(String finishReason, TokenUsage usage) {
        context.runOnContext(v -> onDone.write(choices, finishReason, usage));
    }

    @Override
    public void error(String code, String message) {
        context.runOnContext(v -> onError.accept(code, message));
    }
}
