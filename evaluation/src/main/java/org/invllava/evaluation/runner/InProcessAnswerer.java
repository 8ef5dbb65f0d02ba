package org.invllava.evaluation.runner;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.invllava.evaluation.bench.Answerer;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.serving.BatchEngine;
import org.invllava.runtime.serving.EngineConfig;
import org.invllava.runtime.serving.EngineObserver;
import org.invllava.runtime.serving.Outcome;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;

/**
 * Answers with a model loaded in this process: images encoded by its vision tower, answers generated greedily by
 * the continuous-batching engine (concurrent questions share forward passes, as in the fusion LLM service). It owns
 * the model: closing it closes the model.
 */
public final class InProcessAnswerer implements Answerer {
    private static final long MAX_PIXELS = 64L << 20;

    private final MultimodalModel model;
    private final BatchEngine engine;
    private final SamplingParams params;
    private final String label;
    private final Object visionLock = new Object();

    public InProcessAnswerer(MultimodalModel model, String label, int maxTokens) {
        this.model = model;
        this.label = label;
        this.params = new SamplingParams(maxTokens, 0, 1.0, 0, 0, List.of());
        this.engine = new BatchEngine(model, EngineConfig.defaults(), EngineObserver.NONE);
        engine.start();
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String answer(String prompt, byte[] image) throws Exception {
        List<PatchFeatures> features;
        synchronized (visionLock) { // one image batch at a time through the tower
            features =
                    image == null ? List.of() : model.encodeImages(List.of(new ImageDecoder(MAX_PIXELS).decode(image)));
        }
        int[] ids = model.chat().question(prompt, image != null);
        Outcome outcome = engine.submit(java.util.UUID.randomUUID().toString(), ids, features, params, (i, t, d) -> {})
                .get(10, TimeUnit.MINUTES);
        if (outcome instanceof Outcome.Finished f) {
            return f.result().text();
        }
        if (outcome instanceof Outcome.Failed failed) {
            throw failed.error();
        }
        throw new IllegalStateException("generation stopped: " + outcome);
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }
}
