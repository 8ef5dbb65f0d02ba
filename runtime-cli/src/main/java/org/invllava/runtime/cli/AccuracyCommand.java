package org.invllava.runtime.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.invllava.runtime.bench.ServingBench;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.nn.quant.QuantFormats;
import org.invllava.runtime.nn.quant.QuantKernels;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.DType;
import org.invllava.runtime.weights.TensorLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What each weight format costs in accuracy against float32 on a random model: the stored weights' error, the first
 * step's logits and greedy agreement over a generated answer (text-only prompts).
 */
@Command(
        name = "bench-accuracy",
        mixinStandardHelpOptions = true,
        description =
                "Weight error, first-step logit error and greedy agreement of each weight format against float32.")
final class AccuracyCommand implements Callable<Integer> {
    @Option(names = "--shape", defaultValue = "small150m", description = "small150m (default), benchmark or tiny")
    String shapeName;

    @Option(names = "--weights", defaultValue = "float16,bfloat16,q8_0,q4_0", split = ",")
    List<String> weights;

    @Option(names = "--prompts", defaultValue = "4", description = "text-only prompts of 32 random tokens")
    int prompts;

    @Option(names = "--tokens", defaultValue = "64", description = "greedy tokens compared per prompt")
    int tokens;

    @Option(names = "--work-dir", description = "where the random checkpoint is written (default: a temporary folder)")
    Path workDir;

    /** One prompt's figures in one format. */
    private record Figures(double maxLogitError, double relativeLogitError, int agreeing) {}

    @Override
    public Integer call() throws Exception {
        ModelShape shape = BenchCommand.shape(shapeName);
        Path dir = workDir != null ? workDir : Files.createTempDirectory("inverse-llava-accuracy");
        ModelPaths paths = Files.isRegularFile(dir.resolve("inverse-llava/COMPLETE"))
                ? new ModelPaths(dir.resolve("vision"), dir.resolve("language"), dir.resolve("inverse-llava"))
                : new DemoModelFactory(shape, DType.F32, 3).write(dir);
        List<int[]> inputs = prompts(shape);
        List<float[]> referenceLogits = new ArrayList<>();
        List<int[]> referenceIds = new ArrayList<>();
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults(), false)) {
            for (int[] prompt : inputs) {
                referenceLogits.add(firstLogits(model, prompt));
                referenceIds.add(greedy(model, prompt));
            }
        }
        float[] sample = sampleWeight(paths);
        System.out.printf(
                Locale.ROOT,
                "%s shape, %d prompts, %d greedy tokens each; kernels: %s%n%n",
                shapeName,
                inputs.size(),
                tokens,
                QuantKernels.describe());
        System.out.println("| weights | bits/weight | weight max abs err (rel. to max abs) | weight RMS err (rel.) | "
                + "first-step logits max abs err | logits RMS err (rel.) | greedy tokens equal to float32 |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String name : weights) {
            WeightFormat format = WeightFormat.parse(name);
            double[] weightError = weightError(sample, format);
            List<Figures> figures = new ArrayList<>();
            try (InverseLlavaModel model =
                    InverseLlavaModel.load(paths, new LoadOptions(DataType.FLOAT32, Device.cpu(), format), false)) {
                for (int i = 0; i < inputs.size(); i++) {
                    figures.add(compare(
                            referenceLogits.get(i),
                            firstLogits(model, inputs.get(i)),
                            referenceIds.get(i),
                            greedy(model, inputs.get(i))));
                }
            }
            int agreeing = figures.stream().mapToInt(Figures::agreeing).sum();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.1f | %.4f | %.4f | %.4f | %.5f | %d of %d (%.0f%%) |%n",
                    format.label(),
                    format.bitsPerWeight(),
                    weightError[0],
                    weightError[1],
                    figures.stream().mapToDouble(Figures::maxLogitError).max().orElse(0),
                    figures.stream()
                            .mapToDouble(Figures::relativeLogitError)
                            .average()
                            .orElse(0),
                    agreeing,
                    inputs.size() * tokens,
                    100.0 * agreeing / (inputs.size() * tokens));
        }
        return 0;
    }

    private List<int[]> prompts(ModelShape shape) {
        List<int[]> out = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        for (int p = 0; p < prompts; p++) {
            out.add(ServingBench.randomPrompt(random, 32, shape.vocab()));
        }
        return out;
    }

    private static float[] firstLogits(InverseLlavaModel model, int[] prompt) {
        try (Sequence s = model.newSequence()) {
            return s.prefill(model.expand(prompt, List.of()));
        }
    }

    private int[] greedy(InverseLlavaModel model, int[] prompt) {
        return new Generator(model)
                .generate(prompt, List.of(), SamplingParams.greedy(tokens), (i, t, d) -> {})
                .tokenIds();
    }

    private static Figures compare(float[] want, float[] got, int[] wantIds, int[] gotIds) {
        double diff = 0;
        double norm = 0;
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            diff += d * d;
            norm += (double) want[i] * want[i];
            max = Math.max(max, Math.abs(d));
        }
        int agree = 0;
        while (agree < Math.min(wantIds.length, gotIds.length) && wantIds[agree] == gotIds[agree]) {
            agree++;
        }
        return new Figures(max, Math.sqrt(diff / norm), agree);
    }

    /** The first layer's gate projection as stored in the checkpoint (float32). */
    private static float[] sampleWeight(ModelPaths paths) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            TensorLoader loader = new TensorLoader(Checkpoint.open(paths.language()), m, DataType.FLOAT32);
            return loader.load(
                            "model.layers.0.mlp.gate_proj.weight",
                            DataType.FLOAT32,
                            loader.shape("model.layers.0.mlp.gate_proj.weight"))
                    .toFloatArray();
        }
    }

    /** Max abs and RMS error of {@code w} stored in {@code format}, each relative to the weight's max abs and RMS. */
    private static double[] weightError(float[] w, WeightFormat format) {
        ByteBuffer stored = ByteBuffer.allocate(Math.toIntExact(format.bytes(1, w.length)));
        QuantFormats.quantize(w, format, stored);
        float[] back = QuantFormats.dequantize(stored, format, w.length);
        double max = 0;
        double maxAbs = 0;
        double sq = 0;
        double norm = 0;
        for (int i = 0; i < w.length; i++) {
            max = Math.max(max, Math.abs(back[i] - w[i]));
            maxAbs = Math.max(maxAbs, Math.abs(w[i]));
            sq += (back[i] - w[i]) * (double) (back[i] - w[i]);
            norm += (double) w[i] * w[i];
        }
        return new double[] {max / maxAbs, Math.sqrt(sq / norm)};
    }
}
