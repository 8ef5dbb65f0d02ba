package org.invllava.runtime.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Fp16OnCpu;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.Scalars;

/** CLIP self-attention: biased q/k/v/out projections, q scaled by head_dim^-0.5, no mask. */
final class ClipAttention {
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;
    private final int heads;
    private final int headDim;

    ClipAttention(Linear q, Linear k, Linear v, Linear out, int heads) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.out = out;
        this.heads = heads;
        this.headDim = (int) (q.outFeatures() / heads);
    }

    NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray qh = splitHeads(Scalars.times(q.forward(x), Math.pow(headDim, -0.5)), b, t); // [B, H, T, D]
        NDArray kh = splitHeads(k.forward(x), b, t); // [B, H, T, D]
        NDArray vh = splitHeads(v.forward(x), b, t); // [B, H, T, D]
        NDArray probs = Activations.softmaxFp32(Fp16OnCpu.matMul(qh, kh.transpose(0, 1, 3, 2))); // [B, H, T, T]
        NDArray ctx = Fp16OnCpu.matMul(probs, vh)
                .transpose(0, 2, 1, 3)
                .reshape(new Shape(b, t, (long) heads * headDim)); // [B, T, H·D]
        return out.forward(ctx);
    }

    private NDArray splitHeads(NDArray x, long b, long t) {
        return x.reshape(new Shape(b, t, heads, headDim)).transpose(0, 2, 1, 3); // [B, H, T, D]
    }
}
