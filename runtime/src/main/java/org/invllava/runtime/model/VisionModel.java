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
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.vision.ClipVisionTower;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.runtime.weights.WeightException;
import org.invllava.wire.PatchFeatures;

/**
 * The vision side alone: preprocessing and the CLIP tower up to the bundle's feature layers. The vision encoder
 * service needs only this (the CLIP directory and the bundle's config), not the language model.
 */
public final class VisionModel implements ImageEncoder {
    private final NDManager manager;
    private final boolean ownsManager;
    private final ClipVisionTower tower;
    private final ImagePreprocessor preprocessor;
    private final DataType dtype;

    private VisionModel(
            NDManager manager,
            boolean ownsManager,
            ClipVisionTower tower,
            ImagePreprocessor preprocessor,
            DataType dtype) {
        this.manager = manager;
        this.ownsManager = ownsManager;
        this.tower = tower;
        this.preprocessor = preprocessor;
        this.dtype = dtype;
    }

    /** Loads the vision side on its own: the CLIP checkpoint in {@code visionDir}, the feature layers of the bundle. */
    public static VisionModel load(Path visionDir, Path bundleDir, LoadOptions options) {
        return load(visionDir, ReleaseBundle.open(bundleDir).config().model(), options);
    }

    /** Loads the vision side for a bundle spec (a bundle being trained has no directory yet). */
    public static VisionModel load(Path visionDir, InverseLlavaConfig.Model spec, LoadOptions options) {
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            return load(visionDir, spec, manager, options.dtype(), true);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    static VisionModel load(
            Path visionDir, InverseLlavaConfig.Model spec, NDManager manager, DataType dtype, boolean owns) {
        ClipVisionConfig config = ClipVisionConfig.load(visionDir.resolve("config.json"));
        checkConsistency(spec, config);
        TensorLoader weights = new TensorLoader(Checkpoint.open(visionDir), manager, dtype);
        ClipVisionTower tower = ClipVisionTower.load(config, spec.vision().featureLayers(), weights);
        weights.checkAllUsed(tower::isUnused);
        return new VisionModel(
                manager, owns, tower, ImagePreprocessor.forModel(visionDir, config.imageSize(), true), dtype);
    }

    /**
     * The vision side of LLaVA-1.5: CLIP {@code config} up to {@code featureLayer} (−2), its weights under
     * {@code vision_model.*} of {@code weights}, preprocessing from {@code preprocessorDir}. Tensors the tower does
     * not use (text tower, post_layernorm, deeper blocks) are ignored; any other stray tensor is an error.
     */
    static VisionModel loadLlava(
            ClipVisionConfig config,
            int featureLayer,
            TensorLoader weights,
            Path preprocessorDir,
            boolean padToSquare,
            NDManager manager,
            DataType dtype,
            boolean ownsManager) {
        ClipVisionTower tower = ClipVisionTower.load(config, List.of(featureLayer), weights);
        weights.checkAllUsed(tower::isUnused);
        return new VisionModel(
                manager,
                ownsManager,
                tower,
                ImagePreprocessor.forModel(preprocessorDir, config.imageSize(), padToSquare),
                dtype);
    }

    private static void checkConsistency(InverseLlavaConfig.Model spec, ClipVisionConfig v) {
        int featureDim = v.hiddenSize() * spec.vision().featureLayers().size();
        if (featureDim != spec.vision().featureDim()) {
            throw new WeightException("bundle feature_dim " + spec.vision().featureDim()
                    + " does not match the vision tower (" + featureDim + " = hidden " + v.hiddenSize() + " x "
                    + spec.vision().featureLayers().size() + " layers)");
        }
        if (spec.vision().imageSize() != v.imageSize().intValue()) {
            throw new WeightException("bundle image_size " + spec.vision().imageSize()
                    + " does not match the vision tower (" + v.imageSize() + ")");
        }
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public int featureDim() {
        return tower.featureDim();
    }

    public int imageSize() {
        return tower.config().imageSize();
    }

    /** Preprocesses and encodes a batch of images: one [patches, dim] feature block each. */
    @Override
    public List<PatchFeatures> encodeImages(List<RgbImage> images) {
        List<float[]> pixels = new ArrayList<>();
        for (RgbImage img : images) {
            pixels.add(preprocessor.process(img));
        }
        return encodePixels(pixels);
    }

    /** Encodes preprocessed [3, S, S] pixel tensors. */
    public List<PatchFeatures> encodePixels(List<float[]> pixels) {
        return Scopes.inference(() -> encodeWithoutGradients(pixels));
    }

    private List<PatchFeatures> encodeWithoutGradients(List<float[]> pixels) {
        int s = preprocessor.outputSize();
        float[] batch = new float[pixels.size() * 3 * s * s];
        for (int i = 0; i < pixels.size(); i++) {
            System.arraycopy(pixels.get(i), 0, batch, i * 3 * s * s, 3 * s * s);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray px = step.create(batch, new Shape(pixels.size(), 3, s, s)).toType(dtype, false);
            NDArray features = tower.encode(px).toType(DataType.FLOAT32, false); // [B, N, dim]
            int n = (int) features.getShape().get(1);
            int dim = (int) features.getShape().get(2);
            float[] all = features.toFloatArray();
            List<PatchFeatures> out = new ArrayList<>();
            for (int i = 0; i < pixels.size(); i++) {
                float[] one = new float[n * dim];
                System.arraycopy(all, i * n * dim, one, 0, n * dim);
                out.add(new PatchFeatures(n, dim, one));
            }
            return out;
        }
    }

    @Override
    public void close() {
        if (ownsManager) {
            manager.close();
        }
    }
}
