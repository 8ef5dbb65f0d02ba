package org.invllava.runtime.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.tokenizer.ChatFormat;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.tokenizer.VicunaChat;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.wire.PatchFeatures;

/**
 * Inverse-LLaVA composed as in vLLM's llava.py: a CLIP vision tower ({@code vision_model.*} of the vision
 * checkpoint), a LLaMA language model ({@code model.*}, {@code lm_head} of the base checkpoint) and the
 * fusion/LoRA delta ({@code language_model.*} of the release bundle).
 */
public final class InverseLlavaModel implements MultimodalModel {
    public static final String ID = "inverse-llava";

    private final NDManager manager;
    private final InverseLlavaConfig bundle;
    private final VisionModel vision;
    private final int featureDim;
    private final LlamaModel language;
    private final LlamaTokenizer tokenizer;
    private final DataType dtype;

    private InverseLlavaModel(
            NDManager manager,
            InverseLlavaConfig bundle,
            VisionModel vision,
            int featureDim,
            LlamaModel language,
            LlamaTokenizer tokenizer,
            DataType dtype) {
        this.manager = manager;
        this.bundle = bundle;
        this.vision = vision;
        this.featureDim = featureDim;
        this.language = language;
        this.tokenizer = tokenizer;
        this.dtype = dtype;
    }

    /** The whole model: CLIP tower, language model and fusion. */
    public static InverseLlavaModel load(ModelPaths paths, LoadOptions options) {
        return load(paths, options, true);
    }

    /**
     * With {@code withVision} false, the language model and fusion alone (what a fusion LLM instance runs: images
     * reach it as features); the CLIP weights are not read and {@link #vision()} refuses. The feature width is then
     * the bundle's {@code feature_dim} (the vision encoder checks it against the tower).
     */
    public static InverseLlavaModel load(ModelPaths paths, LoadOptions options, boolean withVision) {
        ReleaseBundle release = ReleaseBundle.open(paths.fusion());
        InverseLlavaConfig.Model spec = release.config().model();
        LlamaConfig llamaConfig = LlamaConfig.load(paths.language().resolve("config.json"));
        LlamaTokenizer tokenizer = Tokenizers.load(paths.language(), llamaConfig);
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            VisionModel vision =
                    withVision ? VisionModel.load(paths.vision(), spec, manager, options.visionDtype(), false) : null;
            int featureDim =
                    vision != null ? vision.featureDim() : spec.vision().featureDim();
            TensorLoader base = new TensorLoader(Checkpoint.open(paths.language()), manager, options.dtype());
            TensorLoader delta = new TensorLoader(Checkpoint.openFile(release.weights()), manager, options.dtype());
            LlamaModel language = LlamaModel.load(
                    llamaConfig, base, delta, spec, featureDim, options.dtype(), options.weights(), manager);
            base.checkAllUsed(LlamaModel::isUnused);
            delta.checkAllUsed(name -> false);
            return new InverseLlavaModel(
                    manager, release.config(), vision, featureDim, language, tokenizer, options.dtype());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
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

    public ImagePreprocessor preprocessor() {
        return vision().preprocessor();
    }

    /**
     * The vision side (CLIP and preprocessing), sharing this model's lifetime; refuses with
     * {@link IllegalStateException} when the model was loaded without it.
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

    public InverseLlavaConfig bundle() {
        return bundle;
    }

    @Override
    public LlamaModel language() {
        return language;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    public int visualDim() {
        return featureDim;
    }

    public int imageSize() {
        return bundle.model().vision().imageSize();
    }

    /** The visual stream of the fusion layers is the features themselves. */
    @Override
    public ExpandedSequence expand(int[] promptIds, List<PatchFeatures> images) {
        return ExpandedSequence.build(
                promptIds, images, featureDim, language.config().vocabSize());
    }

    @Override
    public StepInput newStepInput() {
        return new StepInput(featureDim, StepInput.PatchRows.FUSION_STREAM);
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
