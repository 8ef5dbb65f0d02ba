package org.invllava.runtime.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.weights.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code demo-model DIR}: writes the bundled demo model (random weights, the real layouts, a project-made tokenizer)
 * into {@code DIR/vision}, {@code DIR/language} and {@code DIR/inverse-llava}; what a cluster without real weights
 * serves (the Kubernetes CPU overlay's model job runs it).
 */
@Command(name = "demo-model", mixinStandardHelpOptions = true,
        description = "Write the demo model (random weights) into DIR/vision, DIR/language, DIR/inverse-llava.")
final class DemoModelCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "output directory")
    Path dir;
    @Option(names = "--seed", defaultValue = "7")
    long seed;

    @Override
    public Integer call() throws Exception {
        ModelPaths paths = new DemoModelFactory(ModelShape.tiny(), DType.F32, seed).write(dir);
        System.out.println("demo model written: " + paths.vision() + ", " + paths.language() + ", " + paths.fusion());
        return 0;
    }
}
