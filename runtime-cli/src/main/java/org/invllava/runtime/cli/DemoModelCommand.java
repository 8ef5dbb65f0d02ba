package org.invllava.runtime.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.invllava.runtime.demo.BundledDemoModel;
import org.invllava.runtime.demo.DemoLlavaFactory;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code demo-model DIR [--random] [--llava]}: writes the bundled demo model (trained on the synthetic world; with
 * {@code --random}, random weights of the same shape) in the real layouts into {@code DIR/vision},
 * {@code DIR/language} and {@code DIR/inverse-llava}, a sample picture, and with {@code --llava} a demo LLaVA-1.5
 * (llava-hf layout, random weights) into {@code DIR/llava-1.5}; what a cluster without real weights serves (the
 * Kubernetes CPU overlays' model job runs it).
 */
@Command(
        name = "demo-model",
        mixinStandardHelpOptions = true,
        description = "Write the demo model (trained on the synthetic shapes world; --random: random weights) into "
                + "DIR/vision, DIR/language, DIR/inverse-llava (and with --llava a demo LLaVA-1.5 into DIR/llava-1.5), "
                + "and a sample image, DIR/sample.png.")
final class DemoModelCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "output directory")
    Path dir;

    @Option(names = "--random", description = "random weights (answers run to the token limit: benchmarks)")
    boolean random;

    @Option(names = "--seed", defaultValue = "7", description = "seed of the random weights")
    long seed;

    @Option(names = "--llava", description = "also write a demo LLaVA-1.5 into DIR/llava-1.5")
    boolean llava;

    @Override
    public Integer call() throws Exception {
        ModelPaths paths =
                random ? new DemoModelFactory(ModelShape.tiny(), DType.F32, seed).write(dir) : BundledDemoModel.in(dir);
        System.out.println((random ? "demo model (random weights)" : "demo model (trained on the shapes world)")
                + " written: " + paths.vision() + ", " + paths.language() + ", " + paths.fusion());
        java.nio.file.Files.write(
                dir.resolve("sample.png"),
                random ? org.invllava.runtime.demo.DemoImages.png(160, 120, seed) : BundledDemoModel.samplePicture());
        System.out.println("sample image written: " + dir.resolve("sample.png")
                + (random ? "" : " (ask: \"" + BundledDemoModel.SAMPLE_QUESTION + "\")"));
        if (llava) {
            System.out.println("demo LLaVA-1.5 written: "
                    + new DemoLlavaFactory(ModelShape.tiny(), DType.F32, seed + 1).write(dir.resolve("llava-1.5")));
        }
        return 0;
    }
}
