package org.invllava.runtime.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.invllava.runtime.bench.DpaBench;
import org.invllava.runtime.bench.DtypeResult;
import org.invllava.runtime.bench.MachineProbe;
import org.invllava.runtime.bench.ModelBench;
import org.invllava.runtime.demo.DemoLlavaFactory;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.ModelSource;
import org.invllava.runtime.nn.quant.QuantKernels;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.weights.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmarks random weights of the real shapes (CLIP ViT-L/14-336 and a TinyLlama-1.1B-shaped LLaMA)
 * per compute dtype, next to this machine's measured bandwidth and GEMM rate.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure vision, prefill and decode speed and memory with random weights of real shapes.")
final class BenchCommand implements Callable<Integer> {
    @Option(
            names = "--dtypes",
            defaultValue = "float32,float16",
            split = ",",
            description = "compute dtypes, each with its weights in that dtype (libtorch's products)")
    List<String> dtypes;

    @Option(
            names = "--weights",
            split = ",",
            description = "weight formats (float32, float16, bfloat16, q8_0, q4_0), each with float32 activations and "
                    + "the native kernels; replaces --dtypes when given")
    List<String> weights;

    @Option(
            names = "--shape",
            defaultValue = "benchmark",
            description =
                    "benchmark (CLIP-L/336 + TinyLlama-1.1B shape), llama7b (CLIP-L/336 + Vicuna-7B shape) or tiny")
    String shapeName;

    @Option(
            names = "--model",
            defaultValue = "inverse-llava",
            description =
                    "inverse-llava, llava (the LLaVA-1.5 baseline, llava-hf layout) or both: the same shape either way; "
                            + "dpa: the DPA-4B shape (--shape dpa4b, or tiny), parts one after the other; --weights applies to its "
                            + "thinker")
    String modelName;

    @Option(names = "--prefill-tokens", defaultValue = "640")
    int prefillTokens;

    @Option(
            names = "--sides",
            split = ",",
            defaultValue = "448,1344",
            description = "--model dpa: picture sides measured (multiples of 28; the thinker's prompt holds the first)")
    List<Integer> sides;

    @Option(names = "--decode-tokens", defaultValue = "32")
    int decodeTokens;

    @Option(names = "--images", defaultValue = "3", description = "timed vision encodes (after one warm-up)")
    int images;

    @Option(
            names = "--kv-tokens",
            defaultValue = "0",
            description = "reserve the KV cache for this many positions before decoding (0: grow as needed)")
    int kvTokens;

    @Option(names = "--work-dir", description = "where the random checkpoint is written (default: a temporary folder)")
    Path workDir;

    @Option(names = "--json", description = "also write the results as JSON to this file")
    Path json;

    @Override
    public Integer call() throws IOException {
        if (modelName.equals("dpa")) {
            return dpa();
        }
        ModelShape shape = shape(shapeName);
        PrintStream out = System.out;
        Path dir = workDir != null ? workDir : Files.createTempDirectory("inverse-llava-bench");
        out.printf("writing random %s-shape checkpoint (F16) to %s ...%n", shapeName, dir);
        List<ModelSource> models = models(dir, shape);
        double bandwidth;
        List<DtypeResult> results = new ArrayList<>();
        try (NDManager probe = NDManager.newBaseManager(Device.cpu())) {
            bandwidth = MachineProbe.readBandwidth(probe, 5);
            out.println("machine: " + MachineProbe.cpuDescription());
            out.printf(Locale.ROOT, "machine: read bandwidth %.1f GB/s (1 GiB float32 sum)%n", bandwidth / 1e9);
            for (Variant variant : variants()) {
                double gemm = MachineProbe.gemmFlops(probe, variant.options().dtype(), 3);
                out.printf(
                        Locale.ROOT,
                        "machine: %s GEMM %.1f GFLOP/s (512x4096 · 4096x4096)%n",
                        variant.options().dtype(),
                        gemm / 1e9);
                for (ModelSource model : models) {
                    ModelBench bench = new ModelBench(model, shape, prefillTokens, decodeTokens, images, kvTokens);
                    results.add(bench.run(variant.name(), variant.options(), gemm, bandwidth));
                }
            }
            if (weights != null) {
                out.println("machine: weight kernels " + QuantKernels.describe());
            }
        }
        out.println();
        out.println("| model | dtype | load s | vision ms/image | prefill tok/s (" + prefillTokens
                + ") | prefill / GEMM | " + "decode ms/token | decode / roofline | peak RSS GiB |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (DtypeResult r : results) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.1f | %.0f | %.0f | %.2f (%.0f of %.0f GFLOP/s) | %.1f | %.2f (%.1f of %.1f GB/s) | %.2f |%n",
                    r.model(),
                    r.dtype(),
                    r.loadSeconds(),
                    r.visionMsPerImage(),
                    r.prefillTokensPerSecond(),
                    r.prefillGemmRatio(),
                    r.prefillFlops() / 1e9,
                    r.gemmFlops() / 1e9,
                    r.decodeMsPerToken(),
                    r.decodeRooflineRatio(),
                    r.decodeWeightBytes() / (r.decodeMsPerToken() / 1000) / 1e9,
                    r.bandwidth() / 1e9,
                    r.peakRssBytes() / (double) (1L << 30));
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
        }
        return 0;
    }

    /** {@code --model dpa}: {@link DpaBench} at {@code --sides} (448 and 1344 pixels), decode after the first's prompt. */
    private int dpa() throws IOException {
        DpaBench.DpaShape shape = switch (shapeName) {
            case "dpa4b", "benchmark" -> DpaBench.DpaShape.dpa4b();
            case "tiny" -> DpaBench.DpaShape.tiny();
            default -> throw new IllegalArgumentException("--model dpa takes --shape dpa4b (default) or tiny");
        };
        if (sides.isEmpty() || sides.stream().anyMatch(side -> side < 28 || side % 28 != 0)) {
            throw new IllegalArgumentException("--sides must be multiples of 28 (one merged token), got " + sides);
        }
        PrintStream out = System.out;
        try (NDManager probe = NDManager.newBaseManager(Device.cpu())) {
            out.println("machine: " + MachineProbe.cpuDescription());
            out.printf(Locale.ROOT, "machine: read bandwidth %.1f GB/s%n", MachineProbe.readBandwidth(probe, 5) / 1e9);
        }
        List<WeightFormat> thinker = weights == null
                ? List.of(WeightFormat.FLOAT32)
                : weights.stream().map(WeightFormat::parse).toList();
        out.println("DPA " + shape.name() + " shape, random weights (vision side float32; thinker "
                + thinker.stream().map(WeightFormat::label).toList() + "), one part at a time");
        out.println("| part | input | time |");
        out.println("|---|---|---|");
        List<DpaBench.Line> lines = new DpaBench(shape, images, decodeTokens, thinker)
                .run(out, sides.stream().mapToInt(Integer::intValue).toArray());
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), lines);
        }
        return 0;
    }

    /** One measured configuration: its name in the table and how the model is loaded. */
    private record Variant(String name, LoadOptions options) {}

    /** Each {@code --weights} format with float32 activations, or else each {@code --dtypes} dtype. */
    private List<Variant> variants() {
        List<Variant> out = new ArrayList<>();
        if (weights != null) {
            for (String name : weights) {
                WeightFormat format = WeightFormat.parse(name);
                out.add(new Variant(
                        format.label() + " weights", new LoadOptions(DataType.FLOAT32, Device.cpu(), format)));
            }
        } else {
            for (String name : dtypes) {
                out.add(new Variant(name, new LoadOptions(LoadOptions.parseDtype(name), Device.cpu())));
            }
        }
        return out;
    }

    /** The shape named by {@code --shape}: benchmark, llama7b or tiny. */
    static ModelShape shape(String name) {
        return switch (name) {
            case "benchmark" -> ModelShape.benchmark();
            case "llama7b" -> ModelShape.llama7b();
            case "tiny" -> ModelShape.tiny();
            case "small150m" -> ModelShape.small150m();
            default -> throw new IllegalArgumentException("--shape must be benchmark, llama7b, small150m or tiny");
        };
    }

    /** The random checkpoints {@code --model} names, written into {@code dir} unless already there. */
    private List<ModelSource> models(Path dir, ModelShape shape) throws IOException {
        List<ModelSource> out = new ArrayList<>();
        if (!modelName.equals("inverse-llava") && !modelName.equals("llava") && !modelName.equals("both")) {
            throw new IllegalArgumentException("--model must be inverse-llava, llava or both, got " + modelName);
        }
        if (!modelName.equals("llava")) {
            out.add(new ModelSource.InverseLlava(randomCheckpoint(dir, shape)));
        }
        if (!modelName.equals("inverse-llava")) {
            Path llava = dir.resolve("llava-1.5");
            if (!Files.isRegularFile(llava.resolve("config.json"))) { // written last
                new DemoLlavaFactory(shape, DType.F16, 1).write(llava);
            }
            out.add(new ModelSource.Llava(new LlavaPaths(llava, null)));
        }
        return out;
    }

    /** Random F16 weights of {@code shape} in {@code dir}, written unless a complete checkpoint is already there. */
    static ModelPaths randomCheckpoint(Path dir, ModelShape shape) throws IOException {
        return Files.isRegularFile(dir.resolve("inverse-llava/COMPLETE"))
                ? new ModelPaths(dir.resolve("vision"), dir.resolve("language"), dir.resolve("inverse-llava"))
                : new DemoModelFactory(shape, DType.F16, 1).write(dir);
    }
}
