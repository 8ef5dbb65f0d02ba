package org.invllava.runtime.language;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.nn.Fp16OnCpu;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.nn.quant.QuantKernels;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.weights.TensorSource;

/** HF {@code LlamaForCausalLM} with the Inverse-LLaVA fusion on {@code fusion.layers}. */
public final class LlamaModel {
    private final LlamaConfig config;
    private final NDArray embedTokens; // [V, D]
    private final List<DecoderLayer> layers;
    private final RmsNorm norm;
    private final Linear lmHead;
    private final Rope rope;
    private final WeightFormat weights;

    private LlamaModel(
            LlamaConfig config,
            NDArray embedTokens,
            List<DecoderLayer> layers,
            RmsNorm norm,
            Linear lmHead,
            Rope rope,
            WeightFormat weights) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.rope = rope;
        this.weights = weights;
    }

    /**
     * Wires every weight by name: the base checkpoint's {@code model.*} and {@code lm_head}, the delta's
     * fusion tensors on fusion layers and LoRA on every other adapted layer.
     */
    public static LlamaModel load(
            LlamaConfig c,
            TensorSource base,
            TensorSource delta,
            InverseLlavaConfig.Model spec,
            int visualDim,
            DataType type,
            WeightFormat weights,
            NDManager manager) {
        return load(
                c,
                base,
                delta,
                spec == null ? null : spec.fusion(),
                spec == null ? null : spec.adaptation(),
                visualDim,
                type,
                weights,
                manager);
    }

    /**
     * As {@link #load(LlamaConfig, TensorSource, TensorSource, InverseLlavaConfig.Model, int, DataType, WeightFormat,
     * NDManager)} with the fusion and the LoRA given apart: {@code fusion} null for a LLaMA with LoRA on every layer
     * (LLaVA-1.5's fine-tuning), both null for the plain LLaMA. {@code weights} is how the decoder layers' and the LM
     * head's products store their weights (float32: as loaded, packed for MKL where that pays).
     */
    public static LlamaModel load(
            LlamaConfig c,
            TensorSource base,
            TensorSource delta,
            InverseLlavaConfig.Fusion fusionSpec,
            InverseLlavaConfig.Adaptation lora,
            int visualDim,
            DataType type,
            WeightFormat weights,
            NDManager manager) {
        DeltaWeights w = new DeltaWeights(base, delta, lora == null ? 0 : lora.scale(), type);
        Set<Integer> fusionLayers = fusionSpec == null ? Set.of() : Set.copyOf(fusionSpec.layers());
        for (int l : fusionLayers) {
            if (l < 0 || l >= c.numHiddenLayers()) {
                throw new IllegalArgumentException(
                        "fusion layer " + l + " does not exist (" + c.numHiddenLayers() + " layers)");
            }
        }
        long d = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        float eps = c.rmsNormEps().floatValue();
        NDArray embed = embeddings(base, base.load("model.embed_tokens.weight", c.vocabSize(), d), weights);
        Rope rope = new Rope(manager, c.headDim(), c.ropeTheta(), c.maxPositionEmbeddings(), type);
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean fused = fusionLayers.contains(i);
            boolean adapted =
                    lora != null && !fused && !lora.excludedLayerIndices().contains(i);
            Map<String, FusionProjection> fusion = new HashMap<>();
            if (fused) {
                for (String target : fusionSpec.targets()) {
                    long out = target.equals("q") ? qDim : kvDim;
                    fusion.put(
                            target,
                            fusionProjection(
                                    w,
                                    p + "self_attn.fusion.",
                                    target,
                                    out,
                                    d,
                                    visualDim,
                                    fusionSpec.visualNormEps().floatValue()));
                }
            }
            Linear qkv = stored(
                    w,
                    weights,
                    new Linear(w.merge(
                            w.linear(p + "self_attn.q_proj.weight", qDim, d, adapted && lora.targets("q_proj")),
                            w.linear(p + "self_attn.k_proj.weight", kvDim, d, adapted && lora.targets("k_proj")),
                            w.linear(p + "self_attn.v_proj.weight", kvDim, d, adapted && lora.targets("v_proj")))));
            Attention attn = new Attention(
                    qkv,
                    stored(
                            w,
                            weights,
                            new Linear(w.linear(
                                    p + "self_attn.o_proj.weight", d, qDim, adapted && lora.targets("o_proj")))),
                    fusion,
                    c.numAttentionHeads(),
                    c.numKeyValueHeads(),
                    c.headDim(),
                    rope,
                    c.qkNorm()
                            ? new Attention.QkNorm(
                                    new RmsNorm(base.load(p + "self_attn.q_norm.weight", c.headDim()), eps),
                                    new RmsNorm(base.load(p + "self_attn.k_norm.weight", c.headDim()), eps))
                            : null);
            long ffn = c.intermediateSize();
            Mlp mlp = new Mlp(
                    stored(
                            w,
                            weights,
                            new Linear(w.merge(
                                    w.linear(p + "mlp.gate_proj.weight", ffn, d, adapted && lora.targets("gate_proj")),
                                    w.linear(p + "mlp.up_proj.weight", ffn, d, adapted && lora.targets("up_proj"))))),
                    stored(
                            w,
                            weights,
                            new Linear(w.linear(
                                    p + "mlp.down_proj.weight", d, ffn, adapted && lora.targets("down_proj")))),
                    ffn);
            layers.add(new DecoderLayer(
                    i,
                    new RmsNorm(base.load(p + "input_layernorm.weight", d), eps),
                    attn,
                    new RmsNorm(base.load(p + "post_attention_layernorm.weight", d), eps),
                    mlp));
            if (weights != WeightFormat.FLOAT32) {
                QuantKernels.trimMalloc(); // the layer's float32 copies, freed, back to the system
            }
        }
        RmsNorm norm = new RmsNorm(base.load("model.norm.weight", d), eps);
        Linear head = base.contains("lm_head.weight") || !c.tieWordEmbeddings()
                ? stored(w, weights, new Linear(base.load("lm_head.weight", c.vocabSize(), d)))
                : w.packable()
                        ? new Linear(embed).stored(weights)
                        : new Linear(embed); // the table stays: lookups read it
        return new LlamaModel(c, embed, List.copyOf(layers), norm, head, rope, weights);
    }

    /**
     * {@code plain} with its weight in {@code format} ({@link Linear#stored}: packed for MKL where that applies to
     * float32); the loaded weight is released.
     */
    private static Linear stored(DeltaWeights w, WeightFormat format, Linear plain) {
        if (!w.packable()) {
            return plain;
        }
        Linear stored = plain.stored(format);
        if (stored != plain) {
            w.release(plain.weight());
        }
        return stored;
    }

    private static FusionProjection fusionProjection(
            DeltaWeights w, String prefix, String target, long out, long d, long dv, float eps) {
        return new FusionProjection(
                new Linear(w.fusion(prefix + "text_to_vision." + target + ".weight", dv, d)),
                new Linear(w.fusion(prefix + "output." + target + ".weight", out, 2 * dv)),
                new RmsNorm(w.fusion(prefix + "visual_norm." + target + ".weight", dv), eps),
                w.scalar(prefix + "scales." + target));
    }

    /** Tensors of a base checkpoint inference never reads. */
    public static boolean isUnused(String name) {
        return name.endsWith("rotary_emb.inv_freq");
    }

    public LlamaConfig config() {
        return config;
    }

    public int maxPositions() {
        return rope.maxPositions();
    }

    /** Token embeddings [T, D] of {@code ids} (all valid vocabulary ids), in the compute dtype. */
    public NDArray embed(NDManager manager, long[] ids) {
        NDArray rows = embedTokens.get(manager, new NDIndex("{}", manager.create(ids))); // [T, D]
        return rows.toType(computeType(), false);
    }

    /** The table [V, D] as loaded, or in float16 beside a weight format other than float32 (lookups widen rows). */
    private static NDArray embeddings(TensorSource base, NDArray loaded, WeightFormat weights) {
        if (weights == WeightFormat.FLOAT32 || !base.packable() || loaded.getDataType() != DataType.FLOAT32) {
            return loaded;
        }
        NDArray half = loaded.toType(DataType.FLOAT16, true);
        base.release(loaded);
        return half;
    }

    /** The compute dtype: float32 beside a weight format other than float32, else the table's dtype. */
    private DataType computeType() {
        return weights == WeightFormat.FLOAT32 ? embedTokens.getDataType() : DataType.FLOAT32;
    }

    /**
     * The dtype keys and values are cached in on {@code device}: float32 for float16 compute on the CPU (no per-step
     * casts), float16 for 16-bit and quantised weights (half the memory; attention reads them back in float32).
     */
    public DataType kvType(Device device) {
        if (weights != WeightFormat.FLOAT32 && Device.cpu().equals(device)) {
            return DataType.FLOAT16;
        }
        return Fp16OnCpu.attentionType(embedTokens.getDataType(), device);
    }

    /**
     * Runs the stacked tokens {@code embeds} [N, D] of {@code batch} through every layer, appending each segment's
     * keys and values to its cache; returns the final-norm hidden states [N, D].
     */
    public NDArray forward(NDArray embeds, FusionStreams streams, ForwardBatch batch) {
        if (embeds.getShape().get(0) != batch.totalTokens()) {
            throw new IllegalArgumentException(
                    embeds.getShape() + " rows for a batch of " + batch.totalTokens() + " tokens");
        }
        Rope.Angles angles = rope.at(embeds.getManager(), batch.positions());
        NDArray x = embeds;
        for (DecoderLayer layer : layers) {
            x = Scopes.scoped(x, in -> layer.forward(in, streams, angles, batch));
        }
        for (ForwardBatch.Segment s : batch.segments()) {
            s.cache().advance(s.tokens());
        }
        return norm.forward(x);
    }

    /** The logits [N, V] of every row of {@code hidden} [N, D], in the model's dtype (differentiable: training). */
    public NDArray headLogits(NDArray hidden) {
        return lmHead.forward(hidden);
    }

    /** Float32 logits [V] of the last position of {@code hidden} [T, D]. */
    public float[] lastLogits(NDArray hidden) {
        return logits(hidden, new int[] {(int) hidden.getShape().get(0) - 1})[0];
    }

    /** Float32 logits of the given rows of {@code hidden} [N, D]: one [V] array per row, in order. */
    public float[][] logits(NDArray hidden, int[] rows) {
        long[] index = java.util.Arrays.stream(rows).asLongStream().toArray();
        NDManager m = hidden.getManager();
        NDArray picked = hidden.get(m, new NDIndex("{}", m.create(index))); // [B, D]
        float[] flat = lmHead.forward(picked).toType(DataType.FLOAT32, false).toFloatArray(); // [B, V]
        int vocab = config.vocabSize();
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
        }
        return out;
    }
}
