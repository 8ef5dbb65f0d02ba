package org.invllava.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.demo.BundledDemoModel;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.TensorMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpikeTest {
    @Test
    void lossGoesDown(@TempDir Path tmp) throws Exception {
        ModelPaths paths = BundledDemoModel.in(tmp.resolve("demo"));
        try (InverseLlavaModel model = InverseLlavaModel.load(paths, LoadOptions.defaults());
             NDManager root = NDManager.newBaseManager()) {
            LlamaConfig cfg = model.language().config();
            TensorMap base = FrozenWeights.load(paths.language(), root);
            Parameters params = new Parameters(root);
            var spec = model.bundle().model();
            DeltaInit.reference().create(DeltaLayout.of(cfg, spec, model.featureDim()), params, 1);
            World world = new World(0, 112);
            List<Example> batch = new ArrayList<>();
            for (World.Sample s : world.samples(World.Split.TRAIN, 0, 4)) {
                var feats = model.encodeImages(List.of(new ImageDecoder(1 << 24).decode(s.scene().png())));
                for (WorldQuestion q : s.questions()) {
                    batch.add(Example.answer(model.tokenizer().encodePrompt(ChatTemplate.vicunaV1(q.prompt(), true)), feats,
                            model.tokenizer().encode(q.answer()), model.tokenizer(), model.featureDim()));
                }
            }
            AdamW opt = AdamW.standard(0.0);
            for (int step = 0; step < 30; step++) {
                long t0 = System.nanoTime();
                float loss;
                try (NDManager m = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    LlamaModel lm = LlamaModel.load(cfg, base, params.source("params"), spec, model.featureDim(), DataType.FLOAT32, m);
                    NDArray l = CausalLoss.of(lm, batch, model.featureDim(), StepInput.PatchRows.FUSION_STREAM, m);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                double norm = opt.step(params, 3e-3);
                System.out.printf("step %d loss %.4f gradnorm %.4f %.1f ms%n", step, loss, norm, (System.nanoTime() - t0) / 1e6);
            }
        }
    }
}
