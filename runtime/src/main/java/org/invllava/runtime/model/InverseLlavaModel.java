package org.invllava.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.ClipVisionTower;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.runtime.weights.WeightException;

/**
 * Inverse-LLaVA composed as in vLLM's llava.py: a CLIP vision tower ({@code vision_model.*} of the vision
 * checkpoint), a LLaMA language model ({@code model.*}, {@code lm_head} of the base checkpoint) and the
 * fusion/LoRA delta ({@code language_model.*} of the release bundle).
 */
public final class InverseLlavaModel implements AutoCloseable {
    private final NDManager manager;
    private final InverseLlavaConfig bundle;
    private final ClipVisionTower vision;
    private final LlamaModel language;
    private final LlamaTokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final DataType dtype;

    private InverseLlavaModel(NDManager manager, InverseLlavaConfig bundle, ClipVisionTower vision,
                              LlamaModel language, LlamaTokenizer tokenizer, ImagePreprocessor preprocessor, DataType dtype) {
        this.manager = manager;
        this.bundle = bundle;
        this.vision = vision;
        this.language = language;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.dtype = dtype;
    }

    public static InverseLlavaModel load(ModelPaths paths, LoadOptions options) {
        ReleaseBundle release = ReleaseBundle.open(paths.fusion());
        InverseLlavaConfig.Model spec = release.config().model();
        ClipVisionConfig visionConfig = ClipVisionConfig.load(paths.vision().resolve("config.json"));
        LlamaConfig llamaConfig = LlamaConfig.load(paths.language().resolve("config.json"));
        checkConsistency(spec, visionConfig, llamaConfig);
        LlamaTokenizer tokenizer = LlamaTokenizer.load(paths.language().resolve("tokenizer.model"));
        if (tokenizer.vocabSize() > llamaConfig.vocabSize()) {
            throw new WeightException(paths.language() + ": tokenizer has " + tokenizer.vocabSize()
                    + " pieces, more than vocab_size " + llamaConfig.vocabSize());
        }
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            TensorLoader visionWeights = new TensorLoader(Checkpoint.open(paths.vision()), manager, options.dtype());
            ClipVisionTower tower = ClipVisionTower.load(visionConfig, spec.vision().featureLayers(), visionWeights);
            visionWeights.checkAllUsed(tower::isUnused);

            TensorLoader base = new TensorLoader(Checkpoint.open(paths.language()), manager, options.dtype());
            TensorLoader delta = new TensorLoader(Checkpoint.openFile(release.weights()), manager, options.dtype());
            LlamaModel language = LlamaModel.load(llamaConfig, base, delta, spec, tower.featureDim(), options.dtype(), manager);
            base.checkAllUsed(LlamaModel::isUnused);
            delta.checkAllUsed(name -> false);
            ImagePreprocessor pre = ImagePreprocessor.forModel(paths.vision(), visionConfig.imageSize());
            return new InverseLlavaModel(manager, release.config(), tower, language, tokenizer, pre, options.dtype());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static void checkConsistency(InverseLlavaConfig.Model spec, ClipVisionConfig v, LlamaConfig l) {
        int featureDim = v.hiddenSize() * spec.vision().featureLayers().size();
        if (featureDim != spec.vision().featureDim()) {
            throw new WeightException("bundle feature_dim " + spec.vision().featureDim() + " does not match the vision tower ("
                    + featureDim + " = hidden " + v.hiddenSize() + " x " + spec.vision().featureLayers().size() + " layers)");
        }
        if (spec.vision().imageSize() != v.imageSize().intValue()) {
            throw new WeightException("bundle image_size " + spec.vision().imageSize() + " does not match the vision tower ("
                    + v.imageSize() + ")");
        }
    }

    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public InverseLlavaConfig bundle() {
        return bundle;
    }

    public LlamaModel language() {
        return language;
    }

    public DataType dtype() {
        return dtype;
    }

    public int visualDim() {
        return vision.featureDim();
    }

    public int imageSize() {
        return vision.config().imageSize();
    }

    /** Preprocesses and encodes a batch of images: one [patches, dim] feature block each. */
    public List<VisualFeatures> encodeImages(List<RgbImage> images) {
        List<float[]> pixels = new ArrayList<>();
        for (RgbImage img : images) {
            pixels.add(preprocessor.process(img));
        }
        return encodePixels(pixels);
    }

    /** Encodes preprocessed [3, S, S] pixel tensors. */
    public List<VisualFeatures> encodePixels(List<float[]> pixels) {
        int s = preprocessor.outputSize();
        float[] batch = new float[pixels.size() * 3 * s * s];
        for (int i = 0; i < pixels.size(); i++) {
            System.arraycopy(pixels.get(i), 0, batch, i * 3 * s * s, 3 * s * s);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray px = step.create(batch, new Shape(pixels.size(), 3, s, s)).toType(dtype, false);
            NDArray features = vision.encode(px).toType(DataType.FLOAT32, false); // [B, N, dim]
            int n = (int) features.getShape().get(1);
            int dim = (int) features.getShape().get(2);
            float[] all = features.toFloatArray();
            List<VisualFeatures> out = new ArrayList<>();
            for (int i = 0; i < pixels.size(); i++) {
                float[] one = new float[n * dim];
                System.arraycopy(all, i * n * dim, one, 0, n * dim);
                out.add(new VisualFeatures(n, dim, one));
            }
            return out;
        }
    }

    /** A new generation sequence with its own KV cache. */
    public Sequence newSequence() {
        return new Sequence(manager, language, dtype, vision.featureDim());
    }

    @Override
    public void close() {
        manager.close();
    }

    public static ModelPaths paths(Path vision, Path language, Path fusion) {
        return new ModelPaths(vision, language, fusion);
    }
}
