package org.invllava.evaluation.runner;

import java.nio.file.Path;
import org.invllava.evaluation.bench.Answerer;
import org.invllava.runtime.dpa.DpaModel;
import org.invllava.runtime.dpa.Greedy;
import org.invllava.runtime.vision.ImageDecoder;

/**
 * Answers with a DPA checkpoint in this process, as DPA's evaluation decodes ({@link Greedy#answer}: its prompts,
 * greedy, stripped); one question at a time (no batching engine for DPA yet). It owns the model.
 */
public final class DpaAnswerer implements Answerer {
    private static final long MAX_PIXELS = 64L << 20;

    private final DpaModel model;
    private final String label;
    private final int maxTokens;

    public DpaAnswerer(Path checkpoint, Path refs, String label, int maxTokens) {
        this.model = DpaModel.load(checkpoint, refs);
        this.label = label;
        this.maxTokens = maxTokens;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public synchronized String answer(String prompt, byte[] image) {
        if (image == null) {
            throw new IllegalArgumentException("DPA answers about a picture: this question has none");
        }
        return Greedy.answer(model, new ImageDecoder(MAX_PIXELS).decode(image), prompt, maxTokens)
                .text();
    }

    @Override
    public void close() {
        model.close();
    }
}
