package org.invllava.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.tokenizer.ChatFormat;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.tokenizer.VicunaChat;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.wire.PatchFeatures;

/**
 * The LLaVA-1.5 baseline composed as in vLLM's llava.py: the CLIP tower's layer −2 patch features, the
 * {@code mlp2x_gelu} projector, and a plain LLaMA (no fusion, no LoRA) whose input embeddings at the image slot
 * are the projected patches. Loads llava-hf and original-release checkpoints as downloaded ({@link LlavaWeights}).
 */
public final class LlavaModel implements MultimodalModel {
    public static final String ID = "llava-1.5";

    private final NDManager manager;
    private final LlavaConfig config;
    private final VisionModel vision;
    private final int featureDim;
    private final LlavaProjector projector;
    private final LlamaModel language;
    private final LlamaTokenizer tokenizer;
    private final DataType dtype;

    private LlavaModel(
            NDManager manager,
            LlavaConfig config,
            VisionModel vision,
            int featureDim,
            LlavaProjector projector,
            LlamaModel language,
            LlamaTokenizer tokenizer,
            DataType dtype) {
        this.manager = manager;
        this.config = config;
        this.vision = vision;
        this.featureDim = featureDim;
        this.projector = projector;
        this.language = language;
        this.tokenizer = tokenizer;
        this.dtype = dtype;
    }

    /** The whole model: CLIP tower, projector and LLaMA. */
    public static LlavaModel load(LlavaPaths paths, LoadOptions options) {
        return load(paths, options, true);
    }

    /**
     * With {@code withVision} false, the projector and LLaMA alone (a fusion LLM instance: images reach it as
     * features); the CLIP tensors are not read and {@link #vision()} refuses.
     */
    public static LlavaModel load(LlavaPaths paths, LoadOptions options, boolean withVision) {
        LlavaConfig config = LlavaConfig.load(paths.model().resolve("config.json"));
        LlavaWeights weights = LlavaWeights.open(config, paths);
        LlamaTokenizer tokenizer = Tokenizers.load(paths.model(), config.text());
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            DataType type = options.dtype();
            VisionModel vision =
                    withVision ? vision(config, weights, paths, manager, options.visionDtype(), false) : null;
            int featureDim = vision != null
                    ? vision.featureDim()
                    : visionConfig(config, paths).hiddenSize(); // one layer
            TensorLoader projectorWeights = new TensorLoader(weights.projector(), manager, type);
            LlavaProjector projector = LlavaProjector.load(
                    projectorWeights, featureDim, config.text().hiddenSize());
            projectorWeights.checkAllUsed(name -> false);
            TensorLoader base = new TensorLoader(weights.language(), manager, type);
            LlamaModel language = LlamaModel.load(config.text(), base, null, null, 0, type, options.weights(), manager);
            base.checkAllUsed(LlamaModel::isUnused);
            return new LlavaModel(manager, config, vision, featureDim, projector, language, tokenizer, type);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Only the vision side of a LLaVA-1.5 checkpoint (its tower at layer −2 and its preprocessing), for a vision
     * encoder that serves this model: the language model and projector are not loaded.
     */
    public static VisionModel loadVision(LlavaPaths paths, LoadOptions options) {
        LlavaConfig config = LlavaConfig.load(paths.model().resolve("config.json"));
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            return vision(config, LlavaWeights.open(config, paths), paths, manager, options.visionDtype(), true);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static VisionModel vision(
            LlavaConfig config,
            LlavaWeights weights,
            LlavaPaths paths,
            NDManager manager,
            DataType type,
            boolean ownsManager) {
        ClipVisionConfig visionConfig = visionConfig(config, paths);
        Path preprocessorDir = config.layout() == LlavaConfig.Layout.ORIGINAL ? paths.vision() : paths.model();
        return VisionModel.loadLlava(
                visionConfig,
                config.featureLayer(),
                new TensorLoader(weights.vision(), manager, type),
                preprocessorDir,
                config.padToSquare(),
                manager,
                type,
                ownsManager);
    }

    /** CLIP's config: inside llava-hf's config, in the CLIP directory for the original release. */
    private static ClipVisionConfig visionConfig(LlavaConfig config, LlavaPaths paths) {
        return config.vision() != null
                ? config.vision()
                : ClipVisionConfig.load(paths.vision().resolve("config.json"));
    }

    public LlavaConfig config() {
        return config;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ChatFormat chat() {
        return new VicunaChat(tokenizer);
    }

    @Override
    public LlamaModel language() {
        return language;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    /**
     * The vision side (CLIP at layer −2 and its preprocessing); refuses with {@link IllegalStateException} when the
     * model was loaded without it.
     */
    public VisionModel vision() {
        return MultimodalModel.requireVision(vision, ID);
    }

    @Override
    public List<PatchFeatures> encodeImages(List<RgbImage> images) {
        return vision().encodeImages(images);
    }

    @Override
    public boolean hasVision() {
        return vision != null;
    }

    @Override
    public int featureDim() {
        return featureDim;
    }

    /** Projects each image's patch features into the LLaMA's embedding space, then places them at the image slots. */
    @Override
    public ExpandedSequence expand(int[] promptIds, List<PatchFeatures> images) {
        int hidden = language.config().hiddenSize();
        List<PatchFeatures> projected = new ArrayList<>();
        for (PatchFeatures f : images) {
            if (f.dim() != featureDim) {
                throw new IllegalArgumentException(
                        "image features have dim " + f.dim() + ", the model expects " + featureDim);
            }
            try (NDManager step = manager.newSubManager()) {
                NDArray v =
                        step.create(f.data(), new Shape(f.patches(), f.dim())).toType(dtype, false); // [N, dv]
                float[] rows =
                        projector.forward(v).toType(DataType.FLOAT32, false).toFloatArray(); // [N, D]
                projected.add(new PatchFeatures(f.patches(), hidden, rows));
            }
        }
        return ExpandedSequence.build(
                promptIds, projected, hidden, language.config().vocabSize());
    }

    @Override
    public StepInput newStepInput() {
        return new StepInput(language.config().hiddenSize(), StepInput.PatchRows.INPUT_EMBEDDING);
    }

    @Override
    public NDManager newManager() {
        return manager.newSubManager();
    }

    @Override
    public void close() {
        manager.close();
    }
}
