package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.List;
import org.invllava.schemas.TokenLogprob;
import org.invllava.schemas.TopLogprob;

/**
 * Log probabilities in the shapes the OpenAI clients parse: chat's and the Responses API's
 * {@code [{token, logprob, bytes, top_logprobs: [...]}]} and legacy completions' parallel arrays
 * ({@code tokens}, {@code token_logprobs}, {@code top_logprobs}, {@code text_offset}).
 */
final class LogprobsJson {
    private LogprobsJson() {}

    /** Chat's {@code logprobs} of a choice: {@code {"content": [...], "refusal": null}}, or null when not asked for. */
    static ObjectNode chat(List<TokenLogprob> tokens) {
        if (tokens == null) {
            return null;
        }
        ObjectNode root = OpenAiJson.JSON.createObjectNode();
        root.set("content", entries(tokens));
        root.putNull("refusal");
        return root;
    }

    /** {@code [{token, logprob, bytes, top_logprobs}]} (Responses' entries have the same fields). */
    static ArrayNode entries(List<TokenLogprob> tokens) {
        ArrayNode out = OpenAiJson.JSON.createArrayNode();
        if (tokens == null) {
            return out;
        }
        for (TokenLogprob t : tokens) {
            ObjectNode e = out.addObject().put("token", t.getToken()).put("logprob", lp(t.getLogprob()));
            e.set("bytes", bytes(t.getBytes()));
            ArrayNode top = e.putArray("top_logprobs");
            for (TopLogprob alt : t.getTop()) {
                top.addObject()
                        .put("token", alt.getToken())
                        .put("logprob", alt.getLogprob())
                        .set("bytes", bytes(alt.getBytes()));
            }
        }
        return out;
    }

    /**
     * Legacy completions' {@code logprobs}: parallel arrays over {@code tokens}, offsets counted from
     * {@code offset} (the text before them); a prompt's first token has null for its log probability and alternatives.
     */
    static void completions(ObjectNode logprobs, List<TokenLogprob> tokens, int offset) {
        ArrayNode names = logprobs.withArray("tokens");
        ArrayNode values = logprobs.withArray("token_logprobs");
        ArrayNode tops = logprobs.withArray("top_logprobs");
        ArrayNode offsets = logprobs.withArray("text_offset");
        int at = offset;
        for (TokenLogprob t : tokens) {
            names.add(t.getToken());
            if (t.getLogprob() == null) {
                values.addNull();
                tops.addNull();
            } else {
                values.add(t.getLogprob());
                ObjectNode top = tops.addObject();
                for (TopLogprob alt : t.getTop()) {
                    top.put(alt.getToken(), alt.getLogprob());
                }
            }
            offsets.add(at);
            at += t.getToken().length();
        }
    }

    private static double lp(Float f) {
        return f == null ? 0 : f;
    }

    private static ArrayNode bytes(ByteBuffer b) {
        ArrayNode out = OpenAiJson.JSON.createArrayNode();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) {
            out.add(d.get() & 0xFF);
        }
        return out;
    }
}
