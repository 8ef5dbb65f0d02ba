package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.DeltaWeights;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.DeltaLayout;
import org.invllava.runtime.model.LlavaHfWriter;
import org.invllava.runtime.model.LlavaModel;
import org.invllava.runtime.model.LlavaPaths;
import org.invllava.runtime.model.LlavaProjector;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.model.VisionModel;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorMap;
import org.invllava.wire.PatchFeatures;

/**
 * The LLaVA-1.5 baseline trained on the same world, tower and LLaMA as Inverse-LLaVA, in LLaVA-1.5's two stages:
 * (1) feature alignment, only the {@code mlp2x_gelu} projector trainable, on (picture, caption) pairs in LLaVA's
 * {@code plain} template ({@code <image>\n} then the caption); (2) the projector and LoRA on every LLaMA layer
 * (LLaVA-1.5's LoRA recipe: q,k,v,o,gate,up,down) on the questions in the {@code vicuna_v1} template, loss on the
 * answers. The tower (its layer −2 by default, LLaVA's choice) and the LLaMA stay frozen. Written as a llava-hf
 * checkpoint ({@link LlavaHfWriter}, LoRA folded in) that {@code generate --llava-model}, {@code eval} and {@code
 * serve} load.
 */
final class LlavaStage {
    static final String ID = "llava-1.5";
    private static final String[] PROJECTOR = {"linear_1.weight", "linear_1.bias", "linear_2.weight", "linear_2.bias"};

    private LlavaStage() {}

    /**
     * Both stages' options ({@code pretrain} null: no stage 1, the ablation without alignment pre-training);
     * {@code loraRank} with alpha = 2·rank, as the Inverse-LLaVA stage; {@code featureLayer} the tower's hidden state
     * the projector reads (−2, LLaVA-1.5's, or −1, the one Inverse-LLaVA reads).
     */
    record Options(TrainOptions pretrain, TrainOptions finetune, int loraRank, int featureLayer) {}

    /** What one run produced: each stage's history (stage 1's null when skipped). */
    record Result(TrainState pretrain, TrainState finetune) {}

    /**
     * Trains on {@code train} with the frozen tower in {@code vision} and LLaMA in {@code language}, writing the
     * checkpoint to {@code out} (after each fine-tuning epoch, validated on {@code validation}).
     */
    static Result run(
            Path vision, Path language, Path out, Path work, List<World.Sample> train, Path validation, Options options)
            throws Exception {
        LlamaConfig config = LlamaConfig.load(language.resolve("config.json"));
        LlamaTokenizer tokenizer = Tokenizers.load(language, config);
        InverseLlavaConfig.Adaptation lora = lora(options.loraRank());
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap base = FrozenWeights.load(language, root);
            int featureDim = initProjector(
                    params, vision, config.hiddenSize(), options.finetune().seed());
            write(
                    out,
                    vision,
                    language,
                    base,
                    params,
                    lora,
                    options.featureLayer()); // the starting checkpoint: its tower encodes the pictures
            List<Example> captions = new ArrayList<>();
            List<Example> questions = new ArrayList<>();
            try (VisionModel tower = LlavaModel.loadVision(new LlavaPaths(out, null), LoadOptions.defaults())) {
                for (World.Sample s : train) { // each picture encoded once, for its caption and its questions
                    List<PatchFeatures> features = InverseLlavaStage.encode(tower, s);
                    captions.add(Example.answer(
                            tokenizer.encodePrompt(LlamaTokenizer.IMAGE_PLACEHOLDER + "\n"),
                            features,
                            tokenizer.encode(s.scene().caption()),
                            tokenizer,
                            featureDim));
                    questions.addAll(InverseLlavaStage.questions(s, features, tokenizer, featureDim));
                }
            }
            TrainState pretrain = null;
            if (options.pretrain() != null) {
                System.err.printf(
                        "[%s] stage 1: %d captions, %,d trainable parameters (projector), ~%.1f TFLOP%n",
                        ID,
                        captions.size(),
                        params.count(),
                        ComputeEstimate.llava(config, featureDim, 0)
                                        .training(captions, options.pretrain().epochs())
                                / 1e12);
                pretrain = TrainingLoop.overTokens(
                                ID + " stage 1", options.pretrain(), work.resolve("llava-pretrain-state"))
                        .run(
                                captions,
                                params,
                                root,
                                new Wiring(config, base, params, null, featureDim).loss(),
                                (epoch, step) -> Double.NaN);
            }
            DeltaInit.reference()
                    .create(
                            DeltaLayout.of(config, null, lora, 0),
                            params,
                            options.finetune().seed()); // LoRA joins
            System.err.printf(
                    "[%s] stage 2: %d questions, %,d trainable parameters (projector + LoRA), ~%.1f TFLOP%n",
                    ID,
                    questions.size(),
                    params.count(),
                    ComputeEstimate.llava(config, featureDim, options.loraRank())
                                    .training(questions, options.finetune().epochs())
                            / 1e12);
            TrainState finetune = TrainingLoop.overTokens(
                            ID + " stage 2", options.finetune(), work.resolve("llava-finetune-state"))
                    .run(
                            questions,
                            params,
                            root,
                            new Wiring(config, base, params, lora, featureDim).loss(),
                            (epoch, step) -> {
                                write(out, vision, language, base, params, lora, options.featureLayer());
                                return InverseLlavaStage.validate(
                                        LlavaModel.load(new LlavaPaths(out, null), LoadOptions.defaults()),
                                        ID,
                                        validation,
                                        "epoch " + epoch);
                            });
            write(out, vision, language, base, params, lora, options.featureLayer());
            return new Result(pretrain, finetune);
        }
    }

    /** LoRA of {@code rank} on every projection of every layer, alpha = 2·rank. */
    static InverseLlavaConfig.Adaptation lora(int rank) {
        return new InverseLlavaConfig.Adaptation("lora", rank, 2.0 * rank, null, null);
    }

    /**
     * Adds the projector's tensors, PyTorch's Linear default initialisation (weights and biases U(±1/√in)); returns
     * the tower's feature width.
     */
    static int initProjector(Parameters params, Path vision, int hidden, long seed) throws IOException {
        int featureDim = ClipVisionConfig.load(vision.resolve("config.json")).hiddenSize();
        SplittableRandom r = new SplittableRandom(seed);
        long[][] shapes = {{hidden, featureDim}, {hidden}, {hidden, hidden}, {hidden}};
        int[] fanIn = {featureDim, featureDim, hidden, hidden};
        for (int i = 0; i < PROJECTOR.length; i++) {
            long[] shape = shapes[i];
            float[] v = new float[Math.toIntExact(shape.length == 2 ? shape[0] * shape[1] : shape[0])];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) ((r.nextDouble() * 2 - 1) / Math.sqrt(fanIn[i]));
            }
            params.add(LlavaHfWriter.PROJECTOR + PROJECTOR[i], v, shape);
        }
        return featureDim;
    }

    /**
     * The model being trained, wired per step from the frozen LLaMA {@code base} and {@code params} (the projector,
     * and LoRA when {@code lora} is not null).
     */
    record Wiring(
            LlamaConfig config, TensorMap base, Parameters params, InverseLlavaConfig.Adaptation lora, int featureDim) {
        LlamaModel language(NDManager m) {
            return LlamaModel.load(
                    config,
                    base.within(m),
                    lora == null ? null : params.source("LoRA parameters").within(m),
                    null,
                    lora,
                    0,
                    DataType.FLOAT32,
                    WeightFormat.FLOAT32,
                    m);
        }

        LlavaProjector projector(NDManager m) {
            return LlavaProjector.load(projectorSource(params).within(m), featureDim, config.hiddenSize());
        }

        /** The answers' (or captions') loss through the projector and the LLaMA. */
        TrainingLoop.LossFunction<Example> loss() {
            return (batch, m) -> CausalLoss.of(
                    language(m),
                    batch,
                    new StepInput(featureDim, StepInput.PatchRows.INPUT_EMBEDDING),
                    projector(m)::forward,
                    m);
        }
    }

    /** The projector's parameters under the names its loader reads ({@code linear_1.weight}, ...). */
    private static TensorMap projectorSource(Parameters params) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (String name : PROJECTOR) {
            tensors.put(name, params.get(LlavaHfWriter.PROJECTOR + name));
        }
        return new TensorMap("projector parameters", tensors);
    }

    /**
     * The checkpoint: the LLaMA's tensors with LoRA folded in as the loader folds it ({@link DeltaWeights#folded}:
     * {@code W + alpha/rank · B·A}, MODEL_SPEC §1), the projector, and the tower read at {@code featureLayer}.
     */
    static Path write(
            Path out,
            Path vision,
            Path language,
            TensorMap base,
            Parameters params,
            InverseLlavaConfig.Adaptation lora,
            int featureLayer)
            throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (NDManager m = params.manager().newSubManager()) { // what is computed from the tensors is freed with m
            TensorMap frozen = base.within(m);
            TensorMap trained = params.source("LoRA parameters").within(m);
            for (String name : base.names()) {
                Parameters.addF32(
                        w, LlavaHfWriter.LANGUAGE + name, DeltaWeights.folded(frozen, trained, lora.scale(), name));
            }
        }
        for (String name : PROJECTOR) {
            Parameters.addF32(w, LlavaHfWriter.PROJECTOR + name, params.get(LlavaHfWriter.PROJECTOR + name));
        }
        return LlavaHfWriter.write(out, vision, language, w, featureLayer);
    }
}
