package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;

/**
 * One Qwen2.5-VL vision block: {@code x += proj(MHA(RMSNorm(x)))}, {@code x += down(silu(gate(x'))·up(x'))} with
 * {@code x' = RMSNorm(x)}; bidirectional attention within each segment (a window, or the whole image in the
 * full-attention blocks), 2D rotary on q and k; every projection has a bias.
 */
record VisionBlock(
        RmsNorm norm1, Linear qkv, Linear proj, RmsNorm norm2, Linear gate, Linear up, Linear down, int heads) {
    /** Queries attended at once in a long segment (the full-attention blocks of a large picture). */
    static final int QUERY_CHUNK = 1024;

    static VisionBlock load(TensorSource w, String p, QwenVisionConfig c) {
        long d = c.hiddenSize();
        long f = c.intermediateSize();
        float eps = (float) QwenVisionConfig.RMS_NORM_EPS;
        return new VisionBlock(
                new RmsNorm(w.load(p + "norm1.weight", d), eps),
                linear(w, p + "attn.qkv", 3 * d, d),
                linear(w, p + "attn.proj", d, d),
                new RmsNorm(w.load(p + "norm2.weight", d), eps),
                linear(w, p + "mlp.gate_proj", f, d),
                linear(w, p + "mlp.up_proj", f, d),
                linear(w, p + "mlp.down_proj", d, f),
                c.numHeads());
    }

    static Linear linear(TensorSource w, String name, long out, long in) {
        return new Linear(w.load(name + ".weight", out, in), w.load(name + ".bias", out));
    }

    /** x [S, C] in window order; {@code segments}: lengths of the attention segments, in order, summing to S. */
    NDArray forward(NDArray x, Rotary rope, int[] segments) {
        NDArray h = x.add(attention(norm1.forward(x), rope, segments));
        NDArray n = norm2.forward(h);
        return h.add(down.forward(Activations.silu(gate.forward(n)).mul(up.forward(n))));
    }

    private NDArray attention(NDArray x, Rotary rope, int[] segments) {
        long s = x.getShape().get(0);
        long headDim = x.getShape().get(1) / heads;
        NDArray qkvs = qkv.forward(x).reshape(s, 3, heads, headDim); // [S, 3, H, D]
        NDArray q = rope.apply(qkvs.get(new NDIndex(":, 0"))); // [S, H, D]
        NDArray k = rope.apply(qkvs.get(new NDIndex(":, 1")));
        NDArray v = qkvs.get(new NDIndex(":, 2"));
        NDList out = new NDList();
        int start = 0;
        for (int len : segments) {
            NDIndex rows = new NDIndex(start + ":" + (start + len));
            int length = len;
            out.add(Scopes.scoped(
                    q,
                    query -> BidirectionalAttention.chunked(
                                    query.get(rows).transpose(1, 0, 2), // [H, len, D]
                                    k.get(rows).transpose(1, 0, 2),
                                    v.get(rows).transpose(1, 0, 2),
                                    QUERY_CHUNK)
                            .transpose(1, 0, 2)
                            .reshape(length, heads * headDim))); // [len, C]
            start += len;
        }
        return proj.forward(NDArrays.concat(out, 0));
    }
}
