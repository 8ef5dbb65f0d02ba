package org.invllava.gateway.openai;

import java.util.ArrayList;
import java.util.List;
import org.invllava.gateway.AnswerSink;
import org.invllava.schemas.TokenLogprob;

/**
 * A whole answer collected for a non-streamed response: per choice its text, its tokens' log probabilities and its
 * finish reason; the prompt's echo. Filled in order by one thread, read on the event loop after the answer's end.
 */
final class Choices {
    final String[] finish;
    final StringBuilder[] text;
    final List<List<TokenLogprob>> logprobs = new ArrayList<>();
    String echoText = "";
    List<TokenLogprob> echoLogprobs;
    boolean anyLogprobs;

    Choices(int n) {
        finish = new String[n];
        text = new StringBuilder[n];
        for (int i = 0; i < n; i++) {
            text[i] = new StringBuilder();
            logprobs.add(new ArrayList<>());
        }
    }

    void add(AnswerSink.Piece p) {
        if (p.echo()) {
            echoText = p.text();
            echoLogprobs = p.logprobs();
        } else if (p.choiceFinish() != null) {
            finish[p.choice()] = p.choiceFinish();
        } else {
            text[p.choice()].append(p.text());
            if (p.logprobs() != null) {
                anyLogprobs = true;
                logprobs.get(p.choice()).addAll(p.logprobs());
            }
        }
    }

    /** Choice {@code i}'s finish reason: its own (several choices) or the answer's. */
    String finish(int i, String answer) {
        return OpenAiJson.finishReason(finish[i] != null ? finish[i] : answer);
    }

    int size() {
        return text.length;
    }
}
