package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.Attention;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;

/**
 * One Qwen3 decoder layer: {@code x += o(attn(RMSNorm(x)))}, {@code x += down(silu(gate(x'))·up(x'))}. Attention:
 * q and k RMS-normed per head (over head_dim) <em>before</em> the rotary, GQA, causal; no biases.
 */
record Qwen3Layer(
        RmsNorm inputNorm,
        Linear q,
        Linear k,
        Linear v,
        Linear o,
        RmsNorm qNorm,
        RmsNorm kNorm,
        RmsNorm postNorm,
        Linear gate,
        Linear up,
        Linear down,
        LlamaConfig c) {

    static Qwen3Layer load(TensorSource w, String p, LlamaConfig c) {
        long d = c.hiddenSize();
        long hd = c.headDim();
        long f = c.intermediateSize();
        float eps = c.rmsNormEps().floatValue();
        return new Qwen3Layer(
                new RmsNorm(w.load(p + "input_layernorm.weight", d), eps),
                new Linear(w.load(p + "self_attn.q_proj.weight", c.numAttentionHeads() * hd, d)),
                new Linear(w.load(p + "self_attn.k_proj.weight", c.numKeyValueHeads() * hd, d)),
                new Linear(w.load(p + "self_attn.v_proj.weight", c.numKeyValueHeads() * hd, d)),
                new Linear(w.load(p + "self_attn.o_proj.weight", d, c.numAttentionHeads() * hd)),
                new RmsNorm(w.load(p + "self_attn.q_norm.weight", hd), eps),
                new RmsNorm(w.load(p + "self_attn.k_norm.weight", hd), eps),
                new RmsNorm(w.load(p + "post_attention_layernorm.weight", d), eps),
                new Linear(w.load(p + "mlp.gate_proj.weight", f, d)),
                new Linear(w.load(p + "mlp.up_proj.weight", f, d)),
                new Linear(w.load(p + "mlp.down_proj.weight", d, f)),
                c);
    }

    /** x [T, C] of a whole prompt (the perceiver runs once, causally, over the prefix) and its rotary. */
    NDArray forward(NDArray x, Rotary rope) {
        NDArray h = x.add(attention(inputNorm.forward(x), rope));
        NDArray n = postNorm.forward(h);
        return h.add(down.forward(Activations.silu(gate.forward(n)).mul(up.forward(n))));
    }

    private NDArray attention(NDArray x, Rotary rope) {
        long t = x.getShape().get(0);
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int hd = c.headDim();
        NDArray qh = rope.apply(qNorm.forward(q.forward(x).reshape(t, heads, hd))); // [T, H, D]
        NDArray kh = rope.apply(kNorm.forward(k.forward(x).reshape(t, kvHeads, hd))); // [T, Hkv, D]
        NDArray vh = v.forward(x).reshape(t, kvHeads, hd);
        NDArray out = causalInChunks(qh.transpose(1, 0, 2), kh.transpose(1, 0, 2), vh.transpose(1, 0, 2)); // [H, T, D]
        return o.forward(out.transpose(1, 0, 2).reshape(t, (long) heads * hd)); // [T, H·D]
    }

    /** Queries attended at once: a large picture's prefix is 16k tokens, whose [H, T, T] scores would not fit. */
    static final int QUERY_CHUNK = 512;

    /**
     * The LLaMA decoder's causal GQA attention (query head h reads KV head h / G), {@link #QUERY_CHUNK} queries at a
     * time over the keys up to their last, each chunk's scores freed before the next. q [H, T, D], k and v [Hkv, T, D].
     */
    static NDArray causalInChunks(NDArray q, NDArray k, NDArray v) {
        long t = q.getShape().get(1);
        if (t <= QUERY_CHUNK) {
            return Attention.attend(q, k, v, 0);
        }
        NDList parts = new NDList();
        for (long start = 0; start < t; start += QUERY_CHUNK) {
            long end = Math.min(t, start + QUERY_CHUNK);
            int past = (int) start;
            NDArray keys = k.get(new NDIndex(":, :" + end)); // [Hkv, end, D]
            NDArray values = v.get(new NDIndex(":, :" + end));
            parts.add(Scopes.scoped(
                    q.get(new NDIndex(":, " + start + ":" + end)),
                    qc -> Attention.attend(qc, keys, values, past))); // [H, chunk, D]
        }
        return NDArrays.concat(parts, 1);
    }
}
