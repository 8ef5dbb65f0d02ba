package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Fp16OnCpu;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scalars;

/**
 * LLaMA self-attention with grouped KV heads and a KV cache. On a fusion layer the inverse-fusion update
 * is added to q, k and v before they are split into heads and before RoPE; Qwen3 RMS-norms each head of q and k
 * before RoPE.
 */
public final class Attention {
    private final Linear qkv;
    private final Linear o;
    private final Map<String, FusionProjection> fusion;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Rope rope;
    private final QkNorm qkNorm;

    /** Qwen3's per-head RMSNorms of q and k (over head_dim), applied before RoPE; null for LLaMA. */
    record QkNorm(RmsNorm q, RmsNorm k) {}

    /** {@code qkv} is q_proj, k_proj and v_proj merged into one [(H + 2·H_kv)·D, D_model] projection. */
    Attention(
            Linear qkv,
            Linear o,
            Map<String, FusionProjection> fusion,
            int heads,
            int kvHeads,
            int headDim,
            Rope rope,
            QkNorm qkNorm) {
        this.qkNorm = qkNorm;
        this.qkv = qkv;
        this.o = o;
        this.fusion = Map.copyOf(fusion);
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.rope = rope;
    }

    /**
     * {@code h} [N, D_model] is the input_layernorm output of the batch's stacked tokens; each segment's tokens
     * attend to their own sequence's cache.
     */
    NDArray forward(NDArray h, FusionStreams streams, Rope.Angles angles, ForwardBatch batch, int layer) {
        int n = (int) h.getShape().get(0);
        long qDim = (long) heads * headDim;
        long kvDim = (long) kvHeads * headDim;
        NDArray projected = qkv.forward(h); // [N, (H + 2·H_kv)·D]
        NDArray q = fuse("q", projected.get(new NDIndex(":, 0:" + qDim)), h, streams); // [N, H·D]
        NDArray k = fuse("k", projected.get(new NDIndex(":, " + qDim + ":" + (qDim + kvDim))), h, streams);
        NDArray v = fuse("v", projected.get(new NDIndex(":, " + (qDim + kvDim) + ":")), h, streams);
        NDArray qh = q.reshape(new Shape(n, heads, headDim)); // [N, H, D]
        NDArray kh = k.reshape(new Shape(n, kvHeads, headDim)); // [N, H_kv, D]
        if (qkNorm != null) {
            qh = qkNorm.q().forward(qh);
            kh = qkNorm.k().forward(kh);
        }
        NDArray qs = rope.apply(qh, angles); // [N, H, D]
        NDArray ks = rope.apply(kh, angles); // [N, H_kv, D]
        NDArray vs = v.reshape(new Shape(n, kvHeads, headDim)); // [N, H_kv, D]
        DataType cached = Fp16OnCpu.attentionType(ks); // float16 on the CPU caches float32: no per-step casts
        ks = ks.toType(cached, false);
        vs = vs.toType(cached, false);
        NDList contexts = new NDList();
        int row = 0;
        for (ForwardBatch.Segment segment : batch.segments()) {
            int t = segment.tokens();
            NDIndex rows = new NDIndex(row + ":" + (row + t));
            int past = segment.cache().length();
            if (CachedAttention.applies(qs, segment.cache(), t)) { // a decode step: the cache read in place
                KvView view = segment.cache().write(layer, ks.get(rows), vs.get(rows));
                contexts.add(CachedAttention.decode(qs.get(rows), view, heads, kvHeads, headDim)); // [1, H·D]
                row += t;
                continue;
            }
            NDArray[] kv = segment.cache().append(layer, ks.get(rows), vs.get(rows), h.getManager()); // [H_kv, S, D]
            NDArray ctx = attend(qs.get(rows).transpose(1, 0, 2), kv[0], kv[1], past); // [H, T, D]
            contexts.add(ctx.transpose(1, 0, 2).reshape(new Shape(t, qDim))); // [T, H·D]
            row += t;
        }
        NDArray ctx = contexts.size() == 1 ? contexts.head() : NDArrays.concat(contexts, 0); // [N, H·D]
        return o.forward(ctx);
    }

    /** Adds the inverse-fusion update of {@code target} (fusion layers only), before heads and RoPE. */
    private NDArray fuse(String target, NDArray out, NDArray h, FusionStreams streams) {
        FusionProjection f = fusion.get(target);
        return f == null ? out : out.add(f.delta(h, streams));
    }

    /**
     * Causal {@code softmax(q·kᵀ/√D + mask)·v} for q [H, T, D] at positions {@code past ..} and keys/values
     * [H_kv, S, D]. Query head h reads KV head h / G (HF repeat_kv) without repeating K and V: q is viewed as
     * [H_kv, G·T, D]. Float16 on the CPU computes in float32 (its batched matmul kernel is very slow there).
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, int past) {
        DataType type = q.getDataType();
        DataType compute = Fp16OnCpu.attentionType(q);
        q = q.toType(compute, false);
        k = k.toType(compute, false);
        v = v.toType(compute, false);
        long heads = q.getShape().get(0);
        long t = q.getShape().get(1);
        long d = q.getShape().get(2);
        long kvHeads = k.getShape().get(0);
        int groups = (int) (heads / kvHeads);
        NDArray grouped = q.reshape(new Shape(kvHeads, groups * t, d)); // [H_kv, G·T, D]
        NDArray scores = Scalars.times(grouped.matMul(k.transpose(0, 2, 1)), 1.0 / Math.sqrt(d)); // [H_kv, G·T, S]
        if (t > 1) {
            scores = scores.add(causalMask(q.getManager(), groups, (int) t, past, scores.getDataType())); // + [G·T, S]
        }
        NDArray ctx = Activations.softmaxFp32(scores).matMul(v).reshape(new Shape(heads, t, d)); // [H, T, D]
        return ctx.toType(type, false);
    }

    /** Row g·T + i: 0 where query i (at position past + i) may see key j, −inf elsewhere: [G·T, S]. */
    private static NDArray causalMask(NDManager m, int groups, int t, int past, DataType type) {
        int s = past + t;
        float[] mask = new float[groups * t * s];
        for (int row = 0; row < groups * t; row++) {
            int i = row % t;
            java.util.Arrays.fill(mask, row * s + past + i + 1, (row + 1) * s, Float.NEGATIVE_INFINITY);
        }
        return m.create(mask, new Shape((long) groups * t, s)).toType(type, false);
    }
}
