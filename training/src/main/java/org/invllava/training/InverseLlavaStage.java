package org.invllava.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.invllava.evaluation.bench.Benchmark;
import org.invllava.evaluation.bench.EvalItem;
import org.invllava.evaluation.bench.Formats;
import org.invllava.evaluation.metrics.Score;
import org.invllava.evaluation.runner.EvalRunner;
import org.invllava.evaluation.runner.InProcessAnswerer;
import org.invllava.evaluation.runner.Progress;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldExport;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.InverseLlavaModel;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.model.VisionModel;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.weights.TensorMap;
import org.invllava.wire.PatchFeatures;

/**
 * Inverse-LLaVA's single stage: the CLIP tower and the LLaMA frozen, trainable = the fusion tensors and LoRA
 * (initialised by {@link DeltaInit} from the bundle's fields), loss on the answer tokens only. Images are encoded
 * once (the tower is frozen); after each epoch the bundle is written and validated through the serving path
 * (loaded from disk, answered by the batching engine).
 */
final class InverseLlavaStage {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private InverseLlavaStage() {}

    /**
     * Trains a delta for the bundle config {@code template} (fusion layers and targets, LoRA rank) on {@code train}
     * with the vision
     * and language directories of {@code paths}; writes the trained bundle to {@code out}, validating on
     * {@code validation} after each epoch.
     */
    static TrainState run(
            Path vision,
            Path language,
            ObjectNode template,
            Path out,
            Path work,
            List<World.Sample> train,
            Path validation,
            TrainOptions options,
            DeltaInit init,
            Optional<Path> startDelta)
            throws Exception {
        Setup setup = Setup.of(vision, language, template, train);
        ModelPaths paths = new ModelPaths(vision, language, out);
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(paths.language(), root);
            List<DeltaLayout.Tensor> layout = setup.layout();
            if (startDelta.isPresent()) {
                startFrom(startDelta.get(), layout, params, root);
            } else {
                init.create(layout, params, options.seed());
            }
            double flops = ComputeEstimate.inverseLlava(setup.config(), setup.spec(), setup.featureDim())
                    .training(setup.examples(), options.epochs());
            System.err.printf(
                    "[inverse-llava] %d examples, %,d trainable parameters (%s), ~%.1f TFLOP%n",
                    setup.examples().size(), params.count(), BundleWriter.trainable(layout), flops / 1e12);
            BundleWriter writer = new BundleWriter(template, init, layout);
            TrainingLoop<Example> loop =
                    TrainingLoop.overTokens("inverse-llava", options, work.resolve("inverse-llava-state"));
            TrainState state = loop.run(setup.examples(), params, root, setup.loss(base, params), (epoch, step) -> {
                writer.write(out, params, Map.of("epoch", epoch, "step", step));
                return validate(new ModelPaths(paths.vision(), paths.language(), out), validation, "epoch " + epoch);
            });
            writer.write(
                    out,
                    params,
                    Map.of(
                            "steps",
                            state.step(),
                            "training_flops_estimate",
                            flops,
                            "final_loss",
                            Losses.tailMean(state.losses(), 50),
                            "validation_accuracy",
                            state.validation().isEmpty()
                                    ? Double.NaN
                                    : state.validation().get(state.validation().size() - 1)[1]));
            return state;
        }
    }

    /**
     * Adds every tensor of {@code layout} with its value in the bundle {@code dir}'s delta; refuses a delta with
     * other tensors or shapes (another --fusion-layers or --lora-rank).
     */
    static void startFrom(Path dir, List<DeltaLayout.Tensor> layout, Parameters params, NDManager manager) {
        TensorMap start = FrozenWeights.load(dir.resolve("model_delta.safetensors"), manager);
        List<String> names = layout.stream().map(DeltaLayout.Tensor::name).toList();
        if (!new TreeSet<>(start.names()).equals(new TreeSet<>(names))) {
            throw new IllegalArgumentException(dir + " holds the tensors " + new TreeSet<>(start.names())
                    + ", this run trains " + new TreeSet<>(names) + ": give the same --fusion-layers and --lora-rank");
        }
        for (DeltaLayout.Tensor t : layout) {
            if (!Arrays.equals(start.shape(t.name()), t.shape())) {
                throw new IllegalArgumentException(dir + ": " + t.name() + " has shape "
                        + Arrays.toString(start.shape(t.name())) + ", this run trains "
                        + Arrays.toString(t.shape()));
            }
        }
        params.addFrom(start, names);
        System.err.printf("[inverse-llava] starting from the delta of %s%n", dir);
    }

    /**
     * The config of the bundle to train: {@code bundleDir}'s, with the fusion on {@code fusionLayers} and LoRA of
     * {@code loraRank} (alpha = 2·rank) on the other layers.
     */
    static ObjectNode template(Path bundleDir, List<Integer> fusionLayers, int loraRank) throws IOException {
        ObjectNode config = (ObjectNode)
                JSON.readTree(bundleDir.resolve("inverse_llava_config.json").toFile());
        ObjectNode model = (ObjectNode) config.get("model");
        var layers = ((ObjectNode) model.get("fusion")).putArray("layers");
        fusionLayers.forEach(layers::add);
        ((ObjectNode) model.get("adaptation")).put("rank", loraRank).put("alpha", 2 * loraRank);
        return config;
    }

    /** What the stage trains on, read from the starting model: examples (images encoded once), spec and shapes. */
    record Setup(List<Example> examples, InverseLlavaConfig.Model spec, LlamaConfig config, int featureDim) {
        /** From the tower in {@code vision}, the LLaMA config and tokenizer in {@code language}, the bundle config. */
        static Setup of(Path vision, Path language, ObjectNode template, List<World.Sample> train) throws IOException {
            InverseLlavaConfig.Model spec = JSON.copy()
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .treeToValue(template, InverseLlavaConfig.class)
                    .model(); // unknown fields ignored, as the loader does
            LlamaConfig config = LlamaConfig.load(language.resolve("config.json"));
            LlamaTokenizer tokenizer = Tokenizers.load(language, config);
            try (VisionModel tower = VisionModel.load(vision, spec, LoadOptions.defaults())) {
                return new Setup(InverseLlavaStage.examples(tower, tokenizer, train), spec, config, tower.featureDim());
            }
        }

        List<DeltaLayout.Tensor> layout() {
            return DeltaLayout.of(config, spec, featureDim);
        }

        /** The serving LLaMA wired from the frozen {@code base} and the delta {@code params}; the answers' loss. */
        TrainingLoop.LossFunction<Example> loss(TensorMap base, Parameters params) {
            return (batch, m) ->
                    CausalLoss.of(language(base, params, m), batch, featureDim, StepInput.PatchRows.FUSION_STREAM, m);
        }

        LlamaModel language(TensorMap base, Parameters params, NDManager m) {
            return LlamaModel.load(
                    config,
                    base.within(m),
                    params.source("delta parameters").within(m),
                    spec,
                    featureDim,
                    DataType.FLOAT32,
                    WeightFormat.FLOAT32,
                    m);
        }
    }

    /**
     * One example per question: features of its picture (encoded once per picture), prompt (in the form
     * {@link Prompts#training} picks) and answer ids.
     */
    static List<Example> examples(VisionModel tower, LlamaTokenizer tokenizer, List<World.Sample> samples) {
        List<Example> out = new ArrayList<>();
        for (World.Sample s : samples) {
            out.addAll(questions(s, encode(tower, s), tokenizer, tower.featureDim()));
        }
        return out;
    }

    /** One example per question of {@code sample}, its picture's {@code features} given. */
    static List<Example> questions(
            World.Sample sample, List<PatchFeatures> features, LlamaTokenizer tokenizer, int featureDim) {
        List<Example> out = new ArrayList<>();
        for (WorldQuestion q : sample.questions()) {
            String prompt = Prompts.training(q);
            out.add(Example.answer(
                    tokenizer.encodePrompt(ChatTemplate.vicunaV1(prompt, true)),
                    features,
                    tokenizer.encode(q.answer()),
                    tokenizer,
                    featureDim));
        }
        return out;
    }

    /** The patch features of a sample's picture, encoded as served (its PNG decoded, preprocessed). */
    static List<PatchFeatures> encode(VisionModel tower, World.Sample sample) {
        return tower.encodeImages(
                List.of(new ImageDecoder(1L << 24).decode(sample.scene().png())));
    }

    /** Accuracy (%) of the model in {@code paths} on a world split's questions, loaded and answered as served. */
    static double validate(ModelPaths paths, Path split, String when) throws Exception {
        return validate(InverseLlavaModel.load(paths, LoadOptions.defaults()), "inverse-llava", split, when);
    }

    /** Accuracy (%) of {@code model} (closed after) on a world split's questions, answered by the batching engine. */
    static double validate(MultimodalModel model, String stage, Path split, String when) throws Exception {
        Benchmark questions = Formats.jsonl(split.resolve("questions.jsonl"));
        try (InProcessAnswerer answerer = new InProcessAnswerer(model, stage, 8)) {
            List<EvalItem> items = questions.items();
            EvalRunner.Answers answers =
                    EvalRunner.run(items, answerer, 16, new Progress(System.err, "validation", items.size(), false));
            Score score = questions.score(answers.byId());
            System.err.printf(
                    "[%s] %s validation accuracy %.1f%% %s%n",
                    stage, when, score.metrics().get("accuracy"), score.categories());
            return score.metrics().get("accuracy");
        }
    }

    /** Writes a world split's files (the validation questions) under {@code dir}. */
    static Path writeSplit(World world, World.Split split, int images, Path dir) throws Exception {
        Path splitDir = Files.createDirectories(dir.resolve(split.label()));
        if (!Files.exists(splitDir.resolve("questions.jsonl"))) {
            WorldExport.write(split, world.samples(split, 0, images), splitDir);
        }
        return splitDir;
    }
}
