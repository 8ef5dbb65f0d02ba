package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.language.ForwardBatch;
import org.invllava.runtime.language.FreshKv;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.weights.TensorMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short Inverse-LLaVA single-stage runs on the demo shape (random weights) and a few pictures of the world. */
class TrainingTest {
    @TempDir
    static Path dir;

    static ModelPaths paths;
    static InverseLlavaStage.Setup setup;

    @BeforeAll
    static void prepare() throws Exception {
        paths = DemoModelFactory.writeRandomDemo(dir.resolve("demo")); // random weights
        setup = InverseLlavaStage.Setup.of(
                paths.vision(),
                paths.language(),
                InverseLlavaStage.template(paths.fusion(), List.of(0), 4),
                new World(5, World.DEFAULT_IMAGE_SIZE).samples(World.Split.TRAIN, 0, 3));
    }

    private static TrainOptions options(int epochs) {
        return new TrainOptions(epochs, 4, 5e-3, 0.1, 0.01, 3, 2);
    }

    @Test
    void aShortRunLowersTheLossAndChangesOnlyTheTrainableTensors() throws Exception {
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(paths.language(), root);
            Map<String, float[]> frozenBefore = values(base);
            DeltaInit.reference().create(setup.layout(), params, 3);
            Map<String, float[]> before = values(params.source("p"));
            TrainState state = TrainingLoop.overTokens("test", options(6), dir.resolve("state-a"))
                    .run(setup.examples(), params, root, setup.loss(base, params), (e, s) -> Double.NaN);
            double first = state.losses().subList(0, 3).stream()
                    .mapToDouble(Double::doubleValue)
                    .average()
                    .orElseThrow();
            assertTrue(
                    Losses.tailMean(state.losses(), 3) < first - 0.4, // the random demo LM: a small but clear drop
                    "loss " + first + " → " + Losses.tailMean(state.losses(), 3) + ": " + state.losses());
            Map<String, float[]> frozenAfter = values(base);
            frozenBefore.forEach(
                    (name, v) -> assertArrayEquals(v, frozenAfter.get(name), "frozen " + name + " changed"));
            Map<String, float[]> after = values(params.source("p"));
            before.forEach((name, v) ->
                    assertTrue(!java.util.Arrays.equals(v, after.get(name)), "trainable " + name + " unchanged"));
        }
    }

    @Test
    void aSavedBundleReloadsWithTheSameLogits() throws Exception {
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(paths.language(), root);
            DeltaInit.reference().create(setup.layout(), params, 3);
            TrainingLoop.overTokens("test", options(2), dir.resolve("state-b"))
                    .run(setup.examples(), params, root, setup.loss(base, params), (e, s) -> Double.NaN);
            Path bundle = dir.resolve("trained");
            ObjectNode template = (ObjectNode) new ObjectMapper()
                    .readTree(
                            paths.fusion().resolve("inverse_llava_config.json").toFile());
            new BundleWriter(template, DeltaInit.reference(), setup.layout()).write(bundle, params, Map.of("steps", 2));
            Example e = setup.examples().get(0);
            float[] trained;
            try (NDManager m = root.newSubManager()) {
                LlamaModel lm = setup.language(base, params, m);
                StepInput in = new StepInput(setup.featureDim(), StepInput.PatchRows.FUSION_STREAM)
                        .addExpanded(e.sequence(), 0, e.rows()[0] + 1); // the prompt
                StepInput.Tensors t = in.tensors(m, lm, ai.djl.ndarray.types.DataType.FLOAT32);
                NDArray hidden = lm.forward(t.embeds(), t.streams(), ForwardBatch.single(new FreshKv(), in.rows()));
                trained = lm.lastLogits(hidden);
            }
            try (InverseLlavaModel served = InverseLlavaModel.load(
                            new ModelPaths(paths.vision(), paths.language(), bundle), LoadOptions.defaults());
                    Sequence seq = served.newSequence()) {
                float[] reloaded = seq.prefill(new org.invllava.runtime.model.ExpandedSequence(
                        java.util.Arrays.copyOf(e.sequence().tokenIds(), e.rows()[0] + 1),
                        java.util.Arrays.copyOf(e.sequence().isPatch(), e.rows()[0] + 1),
                        java.util.Arrays.copyOf(e.sequence().visual(), (e.rows()[0] + 1) * setup.featureDim()),
                        setup.featureDim()));
                assertArrayEquals(trained, reloaded, 1e-4f);
            }
        }
    }

    /** {@code --start-fusion}: a run starts from a bundle's delta, the same tensors and shapes or refused. */
    @Test
    void aRunStartsFromABundlesDeltaOfTheSameLayoutOnly() throws Exception {
        Path bundle = dir.resolve("start-from");
        Map<String, float[]> written;
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            DeltaInit.reference().create(setup.layout(), params, 11);
            ObjectNode template = (ObjectNode) new ObjectMapper()
                    .readTree(
                            paths.fusion().resolve("inverse_llava_config.json").toFile());
            new BundleWriter(template, DeltaInit.reference(), setup.layout()).write(bundle, params, Map.of("steps", 0));
            written = values(params.source("written"));
        }
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            InverseLlavaStage.startFrom(bundle, setup.layout(), params, root);
            Map<String, float[]> started = values(params.source("started"));
            assertEquals(written.keySet(), started.keySet());
            written.forEach((name, v) -> assertArrayEquals(v, started.get(name), name));
        }
        InverseLlavaConfig.Fusion everyLayer =
                new InverseLlavaConfig.Fusion(List.of(0, 1), List.of("q", "k", "v"), "concat", null);
        List<DeltaLayout.Tensor> other =
                DeltaLayout.of(setup.config(), everyLayer, setup.spec().adaptation(), setup.featureDim());
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> InverseLlavaStage.startFrom(bundle, other, params, root));
            assertTrue(e.getMessage().contains("--fusion-layers"), e.getMessage());
        }
    }

    @Test
    void theBundlesMetadataSaysWhetherLoraWasTrained() {
        assertEquals("fusion + LoRA", BundleWriter.trainable(setup.layout())); // fusion on layer 0, LoRA on layer 1
        InverseLlavaConfig.Fusion everyLayer =
                new InverseLlavaConfig.Fusion(List.of(0, 1), List.of("q", "k", "v"), "concat", null);
        assertEquals(
                "fusion",
                BundleWriter.trainable( // the fusion on every layer: no layer for LoRA
                        DeltaLayout.of(setup.config(), everyLayer, setup.spec().adaptation(), setup.featureDim())));
    }

    @Test
    void anInterruptedRunResumesTheSameLossCurve() throws Exception {
        List<Double> whole = run(dir.resolve("state-whole"), Integer.MAX_VALUE);
        Path state = dir.resolve("state-cut");
        RuntimeException crash =
                org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> run(state, 7));
        assertEquals("crash at step 7", crash.getMessage());
        List<Double> resumed =
                run(state, Integer.MAX_VALUE); // a new process: fresh parameters, then the snapshot of step 6
        assertEquals(whole.size(), resumed.size());
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(whole.get(i), resumed.get(i), 1e-4, "step " + i);
        }
    }

    /** Three epochs (12 steps, a snapshot every 2); the loss function fails at its {@code crashAt}-th call. */
    private static List<Double> run(Path state, int crashAt) throws Exception {
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(paths.language(), root);
            DeltaInit.reference().create(setup.layout(), params, 3);
            TrainingLoop.LossFunction<Example> loss = setup.loss(base, params);
            int[] calls = {0};
            return new ArrayList<>(TrainingLoop.overTokens("test", options(3), state)
                    .run(
                            setup.examples(),
                            params,
                            root,
                            (batch, m) -> {
                                if (++calls[0] == crashAt) {
                                    throw new IllegalStateException("crash at step " + crashAt);
                                }
                                return loss.loss(batch, m);
                            },
                            (e, s) -> Double.NaN)
                    .losses());
        }
    }

    private static Map<String, float[]> values(TensorMap tensors) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : tensors.names()) {
            out.put(name, tensors.load(name, tensors.shape(name)).toFloatArray());
        }
        return out;
    }
}
