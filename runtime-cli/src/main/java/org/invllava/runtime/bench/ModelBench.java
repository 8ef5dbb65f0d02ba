package org.invllava.runtime.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;

/** Vision, prefill and decode timings of one model in one dtype, plus its peak resident memory. */
public final class ModelBench {
    private final ModelSource source;
    private final ModelShape shape;
    private final int prefillTokens;
    private final int decodeTokens;
    private final int images;
    private final int kvTokens;

    /** {@code kvTokens} > 0 reserves the KV cache for that many positions before decoding (memory check). */
    public ModelBench(
            ModelSource source, ModelShape shape, int prefillTokens, int decodeTokens, int images, int kvTokens) {
        if (prefillTokens <= shape.patches()) {
            throw new IllegalArgumentException("prefill tokens must exceed the " + shape.patches() + " patch slots");
        }
        this.source = source;
        this.shape = shape;
        this.prefillTokens = prefillTokens;
        this.decodeTokens = decodeTokens;
        this.images = images;
        this.kvTokens = kvTokens;
    }

    public DtypeResult run(String dtypeName, LoadOptions options, double gemmFlops, double bandwidth) {
        ProcessMemory.resetPeak();
        long t0 = System.nanoTime();
        try (MultimodalModel model = source.load(options)) {
            double load = (System.nanoTime() - t0) / 1e9;
            RgbImage img = randomImage(shape.imageSize(), 1);
            model.encodeImages(List.of(img)); // warm-up
            long v0 = System.nanoTime();
            PatchFeatures features = null;
            for (int i = 0; i < images; i++) {
                features = model.encodeImages(List.of(randomImage(shape.imageSize(), i + 2)))
                        .get(0);
            }
            double visionMs = (System.nanoTime() - v0) / 1e6 / images;

            int[] prompt = promptIds(prefillTokens - shape.patches() + 1);
            ExpandedSequence seq = model.expand(prompt, List.of(features));
            double prefillSeconds = Double.MAX_VALUE;
            double decodeMs = 0;
            for (int run = 0; run < 2; run++) {
                try (Sequence s = model.newSequence()) {
                    long p0 = System.nanoTime();
                    float[] logits = s.prefill(seq);
                    prefillSeconds = Math.min(prefillSeconds, (System.nanoTime() - p0) / 1e9);
                    if (run == 1) {
                        if (kvTokens > 0) {
                            s.reserve(kvTokens);
                        }
                        decodeMs = medianDecodeMs(s, logits);
                    }
                }
            }
            return new DtypeResult(
                    source.id(),
                    dtypeName,
                    load,
                    visionMs,
                    seq.length(),
                    seq.length() / prefillSeconds,
                    prefillFlops(seq.length()) / prefillSeconds,
                    decodeMs,
                    decodeBytes(options),
                    ProcessMemory.peakRss(),
                    gemmFlops,
                    bandwidth);
        }
    }

    private double medianDecodeMs(Sequence s, float[] logits) {
        double[] times = new double[decodeTokens];
        for (int i = 0; i < decodeTokens; i++) {
            int token = Sampler.argMax(logits);
            long d0 = System.nanoTime();
            logits = s.decode(token);
            times[i] = (System.nanoTime() - d0) / 1e6;
        }
        Arrays.sort(times);
        return times[times.length / 2];
    }

    /** Weight bytes a decode step streams: the weight format's bits per weight, or the compute dtype's bytes. */
    private double decodeBytes(LoadOptions options) {
        long fusion = source instanceof ModelSource.InverseLlava ? 0 : shape.fusionParams(); // LLaVA has no fusion
        double bytesPerWeight = options.weights() != WeightFormat.FLOAT32
                ? options.weights().bitsPerWeight() / 8
                : options.dtype().getNumOfBytes();
        return (shape.decodeWeightParams() - fusion) * bytesPerWeight;
    }

    /** Matmul FLOPs of a prefill of {@code t} tokens: 2·params·t plus causal attention (q·kᵀ and p·v). */
    private double prefillFlops(int t) {
        double linear = 2.0 * (shape.decodeWeightParams() - (double) shape.vocab() * shape.hidden()) * t
                + 2.0 * shape.vocab() * shape.hidden();
        double attention = 4.0 * t * (double) t * shape.hidden() * shape.layers();
        return linear + attention;
    }

    private int[] promptIds(int textTokens) {
        List<Integer> ids = new ArrayList<>();
        ids.add(1);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 1; i < textTokens; i++) {
            ids.add(259 + r.nextInt(shape.vocab() - 259));
            if (i == 8) {
                ids.add(LlamaTokenizer.IMAGE_TOKEN_ID);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static RgbImage randomImage(int size, long seed) {
        byte[] px = new byte[size * size * 3];
        new java.util.Random(seed).nextBytes(px);
        return new RgbImage(size, size, px);
    }
}
