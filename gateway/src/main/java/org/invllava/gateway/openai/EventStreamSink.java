package org.invllava.gateway.openai;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import org.invllava.gateway.TokenUsage;

/**
 * A streamed chat completion: a first chunk per choice with the assistant role, one chunk per token (its choice's
 * index, its log probabilities when asked for), a chunk with each choice's finish reason, the usage chunk when asked
 * for, then {@code data: [DONE]}. A token's event has {@code id:} = its chunk sequence, for a client to resume.
 */
final class EventStreamSink extends SseSink {
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final int n;
    private final java.util.Set<Integer> ended = new java.util.HashSet<>(); // touched on the event loop only
    private final java.util.Set<Integer> seen = new java.util.TreeSet<>();

    EventStreamSink(
            HttpServerResponse response,
            Context context,
            String id,
            long created,
            String model,
            boolean includeUsage,
            int n) {
        super(response, context);
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
        this.n = n;
    }

    @Override
    void opened() {
        for (int c = 0; c < n; c++) {
            event(
                    null,
                    OpenAiJson.chunk(id, created, model, c, "assistant", "", null, null, includeUsage)
                            .toString(),
                    -1);
        }
    }

    @Override
    public void token(int index, String text, List<Integer> tokenIds) {
        throw new IllegalStateException("pieces are streamed");
    }

    @Override
    public void piece(Piece p) {
        if (p.echo()) {
            return; // chat has no echo
        }
        onLoop(() -> {
            seen.add(p.choice());
            if (p.choiceFinish() != null) {
                ended.add(p.choice());
                event(
                        null,
                        OpenAiJson.chunk(
                                        id,
                                        created,
                                        model,
                                        p.choice(),
                                        null,
                                        null,
                                        OpenAiJson.finishReason(p.choiceFinish()),
                                        null,
                                        includeUsage)
                                .toString(),
                        -1);
            } else {
                event(
                        null,
                        OpenAiJson.chunk(
                                        id,
                                        created,
                                        model,
                                        p.choice(),
                                        null,
                                        p.text(),
                                        null,
                                        LogprobsJson.chat(p.logprobs()),
                                        includeUsage)
                                .toString(),
                        p.index());
            }
        });
    }

    @Override
    public void done(String finishReason, TokenUsage usage) {
        onLoop(() -> {
            for (int c = 0; c < n; c++) {
                seen.add(c);
            }
            for (int c : seen) { // a resumed stream (n unknown there) ends every choice it saw
                if (!ended.contains(c)) {
                    event(
                            null,
                            OpenAiJson.chunk(
                                            id,
                                            created,
                                            model,
                                            c,
                                            null,
                                            null,
                                            OpenAiJson.finishReason(finishReason),
                                            null,
                                            includeUsage)
                                    .toString(),
                            -1);
                }
            }
            if (includeUsage) {
                event(
                        null,
                        OpenAiJson.usageChunk(id, "chat.completion.chunk", created, model, usage)
                                .toString(),
                        -1);
            }
            end("data: [DONE]\n\n");
        });
    }
}
