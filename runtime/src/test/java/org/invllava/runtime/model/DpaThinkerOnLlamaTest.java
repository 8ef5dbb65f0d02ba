package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.Golden;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.dpa.DpaModel;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.wire.PatchFeatures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DPA's Qwen3 thinker on the serving engine's decoder ({@link LlamaModel} with Qwen3's q/k norms, the KV cache of a
 * {@link Sequence}): its vision_start … vision_end span collapsed into one image slot whose rows are the vision
 * side's message ({@link DpaModel#encode}: the picture through processor, perceiver and aligner), as input
 * embeddings (LLaVA's route). Same first-step logits and greedy ids as the reference case.
 */
class DpaThinkerOnLlamaTest {
    static final Path CASE = Path.of("src/test/resources/golden/tiny-dpa");

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void theThinkerRunsOnTheLlamaDecoder(String picture) throws IOException {
        JsonNode expected =
                new ObjectMapper().readTree(CASE.resolve("expected.json").toFile());
        JsonNode want = expected.at("/cases/" + picture + ".png");
        Path thinker = CASE.resolve("separated/thinker");
        LlamaConfig c = LlamaConfig.load(thinker.resolve("config.json"));
        assertTrue(c.qkNorm());
        try (NDManager m = NDManager.newBaseManager()) {
            TensorLoader base = new TensorLoader(Checkpoint.open(thinker), m, DataType.FLOAT32);
            LlamaModel lm = LlamaModel.load(
                    c, base, null, null, null, c.hiddenSize(), DataType.FLOAT32, WeightFormat.FLOAT32, m);
            TensorLoader reference =
                    new TensorLoader(Checkpoint.openFile(CASE.resolve("tensors.safetensors")), m, DataType.FLOAT32);
            PatchFeatures rows;
            int[] ids;
            try (DpaModel dpa = DpaModel.load(CASE.resolve("dpa"), CASE.resolve("refs"))) {
                // the vision side's message: what a served DPA's vision encoder would send
                rows = dpa.encode(new ImageDecoder(1L << 24)
                        .decode(Files.readAllBytes(CASE.resolve("images").resolve(picture + ".png"))));
                ids = dpa.collapseImageSpan(Golden.ints(want.get("thinker_ids")));
            }
            ExpandedSequence seq = ExpandedSequence.build(ids, List.of(rows), c.hiddenSize(), c.vocabSize());
            try (Sequence s = new Sequence(
                    m.newSubManager(),
                    lm,
                    DataType.FLOAT32,
                    () -> new StepInput(c.hiddenSize(), StepInput.PatchRows.INPUT_EMBEDDING))) {
                float[] logits = s.prefill(seq);
                float[] first =
                        reference.load(picture + ".first_logits", c.vocabSize()).toFloatArray();
                float diff = 0;
                for (int i = 0; i < first.length; i++) {
                    diff = Math.max(diff, Math.abs(first[i] - logits[i]));
                }
                assertTrue(diff <= 1e-4, "first-step logits: max |diff| " + diff);
                int[] greedy = new int[want.get("greedy_ids").size()];
                for (int i = 0; i < greedy.length; i++) {
                    greedy[i] = Sampler.argMax(logits);
                    logits = s.decode(greedy[i]);
                }
                assertArrayEquals(Golden.ints(want.get("greedy_ids")), greedy);
            }
        }
    }
}
