package org.invllava.runtime.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Fp16OnCpu;
import org.invllava.runtime.nn.Linear;

/**
 * LLaMA self-attention with grouped KV heads and a KV cache. On a fusion layer the inverse-fusion update
 * is added to q, k and v before they are split into heads and before RoPE.
 */
final class Attention {
    private final Linear qkv;
    private final Linear o;
    private final Map<String, FusionProjection> fusion;
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    /** {@code qkv} is q_proj, k_proj and v_proj merged into one [(H + 2·H_kv)·D, D_model] projection. */
    Attention(Linear qkv, Linear o, Map<String, FusionProjection> fusion, int heads, int kvHeads, int headDim) {
        this.qkv = qkv;
        this.o = o;
        this.fusion = Map.copyOf(fusion);
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /** {@code h} [T, D_model] is the input_layernorm output; tokens sit at positions {@code past ..}. */
    NDArray forward(NDArray h, FusionStreams streams, Rope rope, KvCache cache, int layer) {
        int t = (int) h.getShape().get(0);
        int past = cache.length();
        long qDim = (long) heads * headDim;
        long kvDim = (long) kvHeads * headDim;
        NDArray projected = qkv.forward(h); // [T, (H + 2·H_kv)·D]
        NDArray q = fuse("q", projected.get(new NDIndex(":, 0:" + qDim)), h, streams); // [T, H·D]
        NDArray k = fuse("k", projected.get(new NDIndex(":, " + qDim + ":" + (qDim + kvDim))), h, streams);
        NDArray v = fuse("v", projected.get(new NDIndex(":, " + (qDim + kvDim) + ":")), h, streams);
        NDArray qs = rope.apply(splitHeads(q, t, heads), past); // [H, T, D]
        NDArray ks = rope.apply(splitHeads(k, t, kvHeads), past); // [H_kv, T, D]
        NDArray vs = splitHeads(v, t, kvHeads); // [H_kv, T, D]
        NDArray[] kv = cache.append(layer, ks, vs, h.getManager()); // [H_kv, S, D] views in this scope
        int s = past + t;
        NDArray keys = repeatKv(kv[0], heads / kvHeads, s); // [H, S, D]
        NDArray values = repeatKv(kv[1], heads / kvHeads, s); // [H, S, D]
        NDArray scores = Fp16OnCpu.matMul(qs, keys.transpose(0, 2, 1)).mul((float) (1.0 / Math.sqrt(headDim))); // [H, T, S]
        if (t > 1) {
            scores = scores.add(causalMask(h.getManager(), t, past, scores));
        }
        NDArray ctx = Fp16OnCpu.matMul(Activations.softmaxFp32(scores), values); // [H, T, D]
        return o.forward(ctx.transpose(1, 0, 2).reshape(new Shape(t, (long) heads * headDim))); // [T, H·D]
    }

    /** Adds the inverse-fusion update of {@code target} (fusion layers only), before heads and RoPE. */
    private NDArray fuse(String target, NDArray out, NDArray h, FusionStreams streams) {
        FusionProjection f = fusion.get(target);
        return f == null ? out : out.add(f.delta(h, streams));
    }

    private NDArray splitHeads(NDArray x, int t, int n) {
        return x.reshape(new Shape(t, n, headDim)).transpose(1, 0, 2); // [n, T, D]
    }

    /** HF repeat_kv: KV head j serves query heads {@code j·groups .. (j+1)·groups−1}. */
    static NDArray repeatKv(NDArray kv, int groups, int s) {
        if (groups == 1) {
            return kv;
        }
        long kvHeads = kv.getShape().get(0);
        long d = kv.getShape().get(2);
        return kv.expandDims(1).broadcast(new Shape(kvHeads, groups, s, d)).reshape(new Shape(kvHeads * groups, s, d)); // [H, S, D]
    }

    /** 0 where query i (at position past+i) may see key j, −inf elsewhere: [T, S]. */
    private static NDArray causalMask(NDManager m, int t, int past, NDArray like) {
        int s = past + t;
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = past + i + 1; j < s; j++) {
                mask[i * s + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m.create(mask, new Shape(t, s)).toType(like.getDataType(), false);
    }
}
