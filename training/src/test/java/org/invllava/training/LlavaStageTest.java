package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.language.ForwardBatch;
import org.invllava.runtime.language.FreshKv;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.LlavaHfWriter;
import org.invllava.runtime.model.LlavaModel;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.model.VisionModel;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.runtime.weights.TensorMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The LLaVA-1.5 baseline's two stages on the demo shape (random weights) and a few pictures of the world. */
class LlavaStageTest {
    @TempDir
    static Path dir;

    static ModelPaths demo;
    static List<World.Sample> train;

    @BeforeAll
    static void prepare() throws Exception {
        demo = DemoModelFactory.writeRandomDemo(dir.resolve("demo"));
        train = new World(5, World.DEFAULT_IMAGE_SIZE).samples(World.Split.TRAIN, 0, 3);
    }

    @Test
    void bothStagesLowerTheLossAndTheCheckpointKeepsTheFrozenParts() throws Exception {
        Path out = dir.resolve("llava");
        Path validation = InverseLlavaStage.writeSplit(
                new World(5, World.DEFAULT_IMAGE_SIZE), World.Split.VALIDATION, 2, dir.resolve("world"));
        LlavaStage.Result r = LlavaStage.run(
                demo.vision(),
                demo.language(),
                out,
                dir.resolve("work"),
                train,
                validation,
                new LlavaStage.Options(
                        new TrainOptions(6, 1, 1e-2, 0.1, 0.0, 3, 100),
                        new TrainOptions(3, 4, 5e-3, 0.1, 0.0, 3, 100),
                        4,
                        LlavaHfWriter.LLAVA_FEATURE_LAYER));
        assertDrops(r.pretrain(), 3, 0.05); // the projector alone moves a random LM's next-token loss a little
        assertDrops(r.finetune(), 3, 0.2);
        assertEquals(3, r.finetune().validation().size(), "a validation accuracy per stage-2 epoch");
        Checkpoint written = Checkpoint.open(out);
        Checkpoint tower = Checkpoint.open(demo.vision());
        Checkpoint language = Checkpoint.open(demo.language());
        for (String name : tower.names()) {
            assertArrayEquals(floats(tower, name), floats(written, "vision_tower." + name), 0f, "frozen tower " + name);
        }
        for (String name :
                List.of("model.embed_tokens.weight", "lm_head.weight", "model.layers.0.input_layernorm.weight")) {
            assertArrayEquals(
                    floats(language, name), floats(written, LlavaHfWriter.LANGUAGE + name), 0f, "not adapted: " + name);
        }
        for (String name : List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight")) {
            assertFalse(
                    Arrays.equals(floats(language, name), floats(written, LlavaHfWriter.LANGUAGE + name)),
                    "LoRA folded into " + name);
        }
    }

    /** −2 is LLaVA-1.5's layer, −1 the last one (Inverse-LLaVA's), for a comparison on the same features. */
    @ParameterizedTest
    @ValueSource(ints = {LlavaHfWriter.LLAVA_FEATURE_LAYER, -1})
    void aWrittenCheckpointServesTheTrainedLogits(int layer) throws Exception {
        LlamaConfig config = LlamaConfig.load(demo.language().resolve("config.json"));
        InverseLlavaConfig.Adaptation lora = LlavaStage.lora(4);
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(demo.language(), root);
            int featureDim = LlavaStage.initProjector(params, demo.vision(), config.hiddenSize(), 3);
            DeltaInit.reference().create(DeltaLayout.of(config, null, lora, 0), params, 3);
            Path start = LlavaStage.write(
                    dir.resolve("start" + layer), demo.vision(), demo.language(), base, params, lora, layer);
            List<Example> examples;
            try (VisionModel tower = LlavaModel.loadVision(new LlavaPaths(start, null), LoadOptions.defaults())) {
                examples = InverseLlavaStage.examples(tower, Tokenizers.load(demo.language(), config), train);
            }
            LlavaStage.Wiring wiring = new LlavaStage.Wiring(config, base, params, lora, featureDim);
            TrainingLoop.overTokens(
                            "test", new TrainOptions(2, 4, 5e-3, 0.1, 0.0, 3, 100), dir.resolve("state" + layer))
                    .run(examples, params, root, wiring.loss(), (e, s) -> Double.NaN);
            Path trained = LlavaStage.write(
                    dir.resolve("trained" + layer), demo.vision(), demo.language(), base, params, lora, layer);
            assertEquals(
                    layer,
                    LlavaConfig.load(trained.resolve("config.json")).featureLayer(),
                    "the layer the projector reads");
            Example e = examples.get(0);
            int rows = e.rows()[0] + 1; // the prompt's rows
            float[] expected;
            try (NDManager m = root.newSubManager()) {
                LlamaModel lm = wiring.language(m);
                StepInput in = new StepInput(featureDim, StepInput.PatchRows.INPUT_EMBEDDING)
                        .addExpanded(e.sequence(), 0, rows);
                StepInput.Tensors t = in.tensors(m, lm, DataType.FLOAT32, wiring.projector(m)::forward);
                NDArray hidden = lm.forward(t.embeds(), null, ForwardBatch.single(new FreshKv(), rows));
                expected = lm.lastLogits(hidden);
            }
            try (LlavaModel served = LlavaModel.load(new LlavaPaths(trained, null), LoadOptions.defaults());
                    Sequence seq = served.newSequence()) {
                float[] logits = seq.prefill(
                        served.expand(promptIds(e), InverseLlavaStage.encode(served.vision(), train.get(0))));
                assertArrayEquals(expected, logits, 1e-4f);
            }
        }
    }

    /** The prompt's token ids of an example (its first {@code rows()[0] + 1} rows), each image's patch run one image id. */
    private static int[] promptIds(Example e) {
        List<Integer> ids = new ArrayList<>();
        boolean[] patch = e.sequence().isPatch();
        for (int i = 0; i <= e.rows()[0]; i++) {
            if (!patch[i]) {
                ids.add((int) e.sequence().tokenIds()[i]);
            } else if (!patch[i - 1]) {
                ids.add(LlamaTokenizer.IMAGE_TOKEN_ID);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void assertDrops(TrainState state, int n, double by) {
        double first = state.losses().subList(0, n).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
        double last = Losses.tailMean(state.losses(), n);
        assertTrue(last < first - by, "loss " + first + " → " + last + ": " + state.losses());
    }

    private static float[] floats(Checkpoint c, String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            return new TensorLoader(c, m, DataType.FLOAT32)
                    .load(name, c.tensors().get(name).shape())
                    .toFloatArray();
        }
    }
}
