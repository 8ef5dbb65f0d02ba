package org.invllava.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.VisualFeatures;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;

/** Starting a stack for a test class, test images, and what the model answers when called directly. */
final class StackFixture {
    static final int MAX_IMAGE_BYTES = 200_000;

    private StackFixture() {
    }

    static LocalStack start(Path dir, ModelPaths model, int gateways) throws Exception {
        return LocalStack.start(new LocalStack.Options(model, LoadOptions.defaults(), null, 0, gateways,
                new LocalStack.GatewayLimits(MAX_IMAGE_BYTES, 8000, 2048, 64, Duration.ofSeconds(90)), dir));
    }

    static byte[] png(int w, int h, long seed) {
        return DemoImages.png(w, h, seed);
    }

    /** Greedy ids of the model called in-process, without Kafka: what the pipeline must reproduce. */
    static int[] direct(InverseLlavaModel model, String question, byte[] image, int maxTokens) {
        List<VisualFeatures> f = image == null ? List.of()
                : model.encodeImages(List.of(new ImageDecoder(1L << 26).decode(image)));
        int[] ids = model.tokenizer().encodePrompt(ChatTemplate.vicunaV1(question, image != null));
        return new Generator(model).generate(ids, f, SamplingParams.greedy(maxTokens), (i, t, d) -> { }).tokenIds();
    }
}
