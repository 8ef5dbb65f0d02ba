package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.nn.Activations;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.RmsNorm;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.weights.TensorSource;

/**
 * Qwen2.5-VL's vision tower ({@code Qwen2_5_VisionTransformerPretrainedModel}) for one image: the patch embedding
 * (a Conv3d with stride = kernel, i.e. a matmul with {@code W[C, 1176]}), the patches put in window order, the
 * blocks (window attention, full attention in {@code fullatt_block_indexes}), the 2×2 merger
 * ({@code RMSNorm} → 4 rows joined → Linear → GELU → Linear), window order undone.
 */
public final class QwenVisionTower {
    private final QwenVisionConfig config;
    private final Linear patchEmbed;
    private final List<VisionBlock> blocks;
    private final RmsNorm mergerNorm;
    private final Linear merger1;
    private final Linear merger2;

    private QwenVisionTower(
            QwenVisionConfig config,
            Linear patchEmbed,
            List<VisionBlock> blocks,
            RmsNorm mergerNorm,
            Linear merger1,
            Linear merger2) {
        this.config = config;
        this.patchEmbed = patchEmbed;
        this.blocks = blocks;
        this.mergerNorm = mergerNorm;
        this.merger1 = merger1;
        this.merger2 = merger2;
    }

    /** The tower under {@code prefix} ({@code visual.}): every tensor's shape checked against {@code c}. */
    public static QwenVisionTower load(TensorSource w, String prefix, QwenVisionConfig c) {
        long d = c.hiddenSize();
        long merged = d * c.spatialMergeSize() * c.spatialMergeSize();
        NDArray conv = w.load(
                prefix + "patch_embed.proj.weight",
                d,
                c.inChannels(),
                c.temporalPatchSize(),
                c.patchSize(),
                c.patchSize()); // [C, 3, 2, 14, 14]
        List<VisionBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.depth(); i++) {
            blocks.add(VisionBlock.load(w, prefix + "blocks." + i + ".", c));
        }
        return new QwenVisionTower(
                c,
                new Linear(conv.reshape(d, c.patchValues())), // [C, 1176], the (c, t, py, px) order of a patch
                blocks,
                new RmsNorm(w.load(prefix + "merger.ln_q.weight", d), (float) QwenVisionConfig.RMS_NORM_EPS),
                VisionBlock.linear(w, prefix + "merger.mlp.0", merged, merged),
                VisionBlock.linear(w, prefix + "merger.mlp.2", c.outHiddenSize(), merged));
    }

    public QwenVisionConfig config() {
        return config;
    }

    /**
     * The merged rows [N, out_hidden_size] of one image, row-major over its {@code (gridH/2) × (gridW/2)} units, from
     * its {@code pixelValues} [gridH·gridW, 1176] in the processor's order (2×2 merge blocks, row-major).
     */
    public NDArray forward(NDManager m, NDArray pixelValues, int gridH, int gridW) {
        int merge = config.spatialMergeSize();
        int unitPatches = merge * merge;
        int rows = gridH / merge;
        int cols = gridW / merge;
        WindowOrder order = WindowOrder.of(rows, cols, config.windowUnits());
        int[] patches = order.patches(unitPatches);
        NDArray x = Rows.at(m, patchEmbed.forward(pixelValues), patches); // [S, C] in window order
        Rotary rope = rope(m, patches, cols, merge);
        int[] windows = scaled(order.windows(), unitPatches);
        int[] whole = {rows * cols * unitPatches};
        for (int i = 0; i < blocks.size(); i++) {
            VisionBlock block = blocks.get(i);
            int[] segments = config.fullAttentionBlocks().contains(i) ? whole : windows;
            x = Scopes.scoped(x, in -> block.forward(in, rope, segments)); // intermediates freed per block
        }
        NDArray joined = mergerNorm.forward(x).reshape(rows * cols, -1); // [N, 4C]
        NDArray merged = merger2.forward(Activations.gelu(merger1.forward(joined))); // [N, out]
        return Rows.at(m, merged, order.inverse()); // row-major units
    }

    /** The 2D rotary of the patches at {@code patches} (indices in the processor's order). */
    private Rotary rope(NDManager m, int[] patches, int cols, int merge) {
        long[] h = new long[patches.length];
        long[] w = new long[patches.length];
        int unitPatches = merge * merge;
        for (int i = 0; i < patches.length; i++) {
            int unit = patches[i] / unitPatches;
            int inner = patches[i] % unitPatches;
            h[i] = (long) (unit / cols) * merge + inner / merge;
            w[i] = (long) (unit % cols) * merge + inner % merge;
        }
        return Rotary.vision(m, QwenVisionConfig.ROPE_THETA, config.headDim(), h, w);
    }

    private static int[] scaled(int[] sizes, int factor) {
        int[] out = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = sizes[i] * factor;
        }
        return out;
    }
}
