package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.invllava.gateway.TokenUsage;

/**
 * A streamed completion: {@code text_completion} chunks, the echo first (for every choice), one chunk per token with
 * its choice's {@code index} and log probabilities, each choice's finish, the usage chunk when asked for, then
 * {@code data: [DONE]}. {@code total} choices, {@code perPrompt} of each prompt (several prompts are merged into one
 * stream by {@link PromptFanOut}); with {@code eventIds} a token's event has {@code id:} = its chunk sequence.
 */
final class CompletionStreamSink extends SseSink {
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final int total;
    private final int perPrompt;
    private final boolean eventIds;
    private final Map<Integer, Integer> offsets = new HashMap<>(); // event loop only
    private final Set<Integer> ended = new HashSet<>();

    CompletionStreamSink(
            HttpServerResponse response,
            Context context,
            String id,
            long created,
            String model,
            boolean includeUsage,
            int total,
            int perPrompt,
            boolean eventIds) {
        super(response, context);
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
        this.total = total;
        this.perPrompt = perPrompt;
        this.eventIds = eventIds;
    }

    @Override
    public void token(int index, String text, List<Integer> tokenIds) {
        throw new IllegalStateException("pieces are streamed");
    }

    @Override
    public void piece(Piece p) {
        onLoop(() -> {
            if (p.choiceFinish() != null) {
                finish(p.choice(), p.choiceFinish());
                return;
            }
            int last = p.echo() ? p.choice() + perPrompt - 1 : p.choice();
            for (int c = p.choice(); c <= last; c++) { // the echo starts every choice of its prompt
                ObjectNode lp = null;
                if (p.logprobs() != null) {
                    lp = OpenAiJson.JSON.createObjectNode();
                    LogprobsJson.completions(lp, p.logprobs(), offsets.getOrDefault(c, 0));
                }
                offsets.merge(c, p.text().length(), Integer::sum);
                event(null, chunk(c, p.text(), lp, null).toString(), eventIds ? p.index() : -1);
            }
        });
    }

    /** Choice {@code c} ended, for {@code reason} (ours). */
    void finish(int c, String reason) {
        onLoop(() -> {
            if (ended.add(c)) {
                event(null, chunk(c, "", null, OpenAiJson.finishReason(reason)).toString(), -1);
            }
        });
    }

    @Override
    public void done(String finishReason, TokenUsage usage) {
        for (int c = 0; c < total; c++) {
            finish(c, finishReason);
        }
        close(usage);
    }

    /** The usage chunk when asked for, then {@code [DONE]}. */
    void close(TokenUsage usage) {
        onLoop(() -> {
            if (includeUsage) {
                event(
                        null,
                        OpenAiJson.usageChunk(id, "text_completion", created, model, usage)
                                .toString(),
                        -1);
            }
            end("data: [DONE]\n\n");
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
}
