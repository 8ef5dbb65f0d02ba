package org.invllava.runtime.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.nn.Fp16OnCpu;
import org.invllava.runtime.nn.LayerNorm;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;

/**
 * HF {@code CLIPVisionModel} up to the deepest hidden state the feature layers need. Features are the
 * selected hidden states without CLS, concatenated on the feature axis (no post_layernorm).
 */
public final class ClipVisionTower {
    public static final String PREFIX = "vision_model.";

    private final ClipVisionConfig config;
    private final List<Integer> featureLayers;
    private final NDArray patchEmbedding;
    private final NDArray classEmbedding;
    private final NDArray positionEmbedding;
    private final LayerNorm preLayerNorm;
    private final List<ClipEncoderLayer> layers;

    private ClipVisionTower(
            ClipVisionConfig config,
            List<Integer> featureLayers,
            NDArray patchEmbedding,
            NDArray classEmbedding,
            NDArray positionEmbedding,
            LayerNorm preLayerNorm,
            List<ClipEncoderLayer> layers) {
        this.config = config;
        this.featureLayers = featureLayers;
        this.patchEmbedding = patchEmbedding;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preLayerNorm = preLayerNorm;
        this.layers = layers;
    }

    /** Index into hidden_states (length layers + 1) of a possibly negative feature layer. */
    public static int resolveLayer(int featureLayer, int numLayers) {
        int idx = featureLayer < 0 ? numLayers + 1 + featureLayer : featureLayer;
        if (idx < 0 || idx > numLayers) {
            throw new IllegalArgumentException("feature layer " + featureLayer + " is outside the " + (numLayers + 1)
                    + " hidden states of the vision tower");
        }
        return idx;
    }

    /** Loads the blocks the {@code featureLayers} need; deeper blocks are not loaded. */
    public static ClipVisionTower load(ClipVisionConfig c, List<Integer> featureLayers, TensorSource w) {
        int deepest = 0;
        for (int l : featureLayers) {
            deepest = Math.max(deepest, resolveLayer(l, c.numHiddenLayers()));
        }
        long d = c.hiddenSize();
        String e = PREFIX + "embeddings.";
        NDArray patch = w.load(e + "patch_embedding.weight", d, c.numChannels(), c.patchSize(), c.patchSize());
        NDArray cls = w.load(e + "class_embedding", d);
        NDArray pos = w.load(e + "position_embedding.weight", c.numPatches() + 1, d);
        LayerNorm pre = layerNorm(w, PREFIX + "pre_layrnorm", c);
        List<ClipEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < deepest; i++) {
            String p = PREFIX + "encoder.layers." + i + ".";
            ClipAttention attn = new ClipAttention(
                    linear(w, p + "self_attn.q_proj", d, d),
                    linear(w, p + "self_attn.k_proj", d, d),
                    linear(w, p + "self_attn.v_proj", d, d),
                    linear(w, p + "self_attn.out_proj", d, d),
                    c.numAttentionHeads());
            ClipMlp mlp = new ClipMlp(
                    linear(w, p + "mlp.fc1", c.intermediateSize(), d),
                    linear(w, p + "mlp.fc2", d, c.intermediateSize()));
            layers.add(new ClipEncoderLayer(
                    layerNorm(w, p + "layer_norm1", c), attn, layerNorm(w, p + "layer_norm2", c), mlp));
        }
        return new ClipVisionTower(c, List.copyOf(featureLayers), patch, cls, pos, pre, layers);
    }

    private static Linear linear(TensorSource w, String name, long out, long in) {
        return new Linear(w.load(name + ".weight", out, in), w.load(name + ".bias", out));
    }

    private static LayerNorm layerNorm(TensorSource w, String name, ClipVisionConfig c) {
        return new LayerNorm(
                w.load(name + ".weight", c.hiddenSize()),
                w.load(name + ".bias", c.hiddenSize()),
                c.layerNormEps().floatValue());
    }

    public ClipVisionConfig config() {
        return config;
    }

    public int featureDim() {
        return config.hiddenSize() * featureLayers.size();
    }

    /** Tensors of the checkpoint this tower does not need (text tower, projection, deeper blocks). */
    public boolean isUnused(String name) {
        if (!name.startsWith(PREFIX) || name.startsWith(PREFIX + "post_layernorm") || name.endsWith("position_ids")) {
            return true;
        }
        String layerPrefix = PREFIX + "encoder.layers.";
        if (name.startsWith(layerPrefix)) {
            String rest = name.substring(layerPrefix.length());
            int layer = Integer.parseInt(rest.substring(0, rest.indexOf('.')));
            return layer >= layers.size();
        }
        return false;
    }

    /** The stride-p convolution of the patch embedding (float32 for float16 input on the CPU). */
    private NDArray patchify(NDArray px) {
        Shape stride = new Shape(config.patchSize(), config.patchSize());
        if (!Fp16OnCpu.upcast(px, config.numPatches())) {
            return Conv2d.conv2d(px, patchEmbedding, null, stride).singletonOrThrow();
        }
        return Conv2d.conv2d(
                        px.toType(DataType.FLOAT32, false), Fp16OnCpu.widenWeight(patchEmbedding, px), null, stride)
                .singletonOrThrow()
                .toType(DataType.FLOAT16, false);
    }

    /** {@code pixels} [B, 3, S, S] → features [B, patches, featureDim]. */
    public NDArray encode(NDArray pixels) {
        long b = pixels.getShape().get(0);
        long d = config.hiddenSize();
        NDArray x = Scopes.scoped(pixels, px -> {
            NDArray patches = patchify(px); // [B, D, g, g]
            patches = patches.reshape(new Shape(b, d, config.numPatches())).transpose(0, 2, 1); // [B, N, D]
            NDArray cls = px.getManager()
                    .zeros(new Shape(b, 1, d), patches.getDataType())
                    .add(classEmbedding); // [B, 1, D]
            NDArray emb = cls.concat(patches, 1).add(positionEmbedding); // [B, N+1, D]
            return preLayerNorm.forward(emb);
        });
        List<NDArray> hidden = new ArrayList<>();
        hidden.add(x);
        for (ClipEncoderLayer layer : layers) {
            x = Scopes.scoped(x, layer::forward);
            hidden.add(x);
        }
        NDList selected = new NDList();
        for (int l : featureLayers) {
            selected.add(
                    hidden.get(resolveLayer(l, config.numHiddenLayers())).get(new NDIndex(":, 1:, :"))); // [B, N, D]
        }
        return selected.size() == 1 ? selected.get(0) : NDArrays.concat(selected, 2); // [B, N, D·layers]
    }
}
