package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.invllava.evaluation.world.Colour;
import org.invllava.evaluation.world.Item;
import org.invllava.evaluation.world.Scene;
import org.invllava.evaluation.world.ShapeKind;
import org.invllava.runtime.nn.Scalars;

/**
 * The vision stage's per-patch objective ({@code --patch-labels}): a linear head over each patch feature of the
 * tower's last layer predicts what the picture holds there and around it, four labels per patch: the shape and the
 * colour of the item in the patch's quadrant (or none), how many items the picture holds, and the patch's quadrant.
 * Real CLIP towers' patch features carry what is where well enough for linear probes (segmentation from frozen CLIP
 * patches); a tiny tower learns little of shape from this world's captions alone. Shapes need many pictures: this
 * head reads 64% of held-out patches' shapes after 40 epochs of 2,000 pictures, 99% after 16 of 20,000. The head is
 * thrown away with the text side.
 */
final class PatchLabels {
    static final String HEAD = "contrastive.patch_head";
    /** Classes per label: shape (none + kinds), colour (none + colours), count (1-4), quadrant. */
    private static final int[] CLASSES = {ShapeKind.values().length + 1, Colour.values().length + 1, 4, 4};
    /** Where each label's classes start among the head's outputs. */
    private static final int[] START = {0, CLASSES[0], CLASSES[0] + CLASSES[1], CLASSES[0] + CLASSES[1] + CLASSES[2]};

    static final int OUTPUTS = START[3] + CLASSES[3];

    private PatchLabels() {}

    /**
     * The labels of each patch of {@code scene} for a tower of {@code grid}×{@code grid} patches (row-major), as
     * class indices [patch][label]; quadrants are whole patches when the grid is even (the demo's 8×8).
     */
    static int[][] of(Scene scene, int grid) {
        if (grid % 2 != 0) {
            throw new IllegalArgumentException("patch labels need an even patch grid, got " + grid);
        }
        Item[] byQuadrant = new Item[4];
        scene.items().forEach(i -> byQuadrant[i.quadrant()] = i);
        int[][] labels = new int[grid * grid][];
        for (int py = 0; py < grid; py++) {
            for (int px = 0; px < grid; px++) {
                int quadrant = (py < grid / 2 ? 0 : 2) + (px < grid / 2 ? 0 : 1);
                Item item = byQuadrant[quadrant];
                labels[py * grid + px] = new int[] {
                    item == null ? 0 : item.shape().ordinal() + 1,
                    item == null ? 0 : item.colour().ordinal() + 1,
                    scene.items().size() - 1,
                    quadrant
                };
            }
        }
        return labels;
    }

    /** Mean cross-entropy over patches and labels of the head on {@code features} [B, N, D]. */
    static NDArray loss(NDArray features, NDArray head, List<int[][]> labels, NDManager m) {
        long b = features.getShape().get(0);
        long n = features.getShape().get(1);
        float[] hot = new float[Math.toIntExact(b * n * OUTPUTS)];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < n; p++) {
                for (int k = 0; k < CLASSES.length; k++) {
                    hot[(i * (int) n + p) * OUTPUTS + START[k] + labels.get(i)[p][k]] = 1f;
                }
            }
        }
        NDArray logits = features.matMul(head.transpose()); // [B, N, OUTPUTS]
        NDArray target = m.create(hot, new Shape(b, n, OUTPUTS));
        NDArray total = null;
        for (int k = 0; k < CLASSES.length; k++) {
            String range = ":, :, " + START[k] + ":" + (START[k] + CLASSES[k]);
            NDArray picked =
                    logits.get(range).logSoftmax(2).mul(target.get(range)).sum();
            total = total == null ? picked : total.add(picked);
        }
        return Scalars.times(total, -1.0 / (b * n * CLASSES.length));
    }

    /** The head's accuracy (%) per label on {@code features} [B, N, D], as "s%, c%, n%, q%". */
    static String accuracy(NDArray features, NDArray head, List<int[][]> labels) {
        float[] logits = features.matMul(head.transpose()).toFloatArray(); // [B, N, OUTPUTS]
        int n = labels.get(0).length;
        int[] right = new int[CLASSES.length];
        for (int i = 0; i < labels.size(); i++) {
            for (int p = 0; p < n; p++) {
                for (int k = 0; k < CLASSES.length; k++) {
                    int first = (i * n + p) * OUTPUTS + START[k]; // label k's classes of this patch
                    int best = 0;
                    for (int c = 1; c < CLASSES[k]; c++) {
                        best = logits[first + c] > logits[first + best] ? c : best;
                    }
                    right[k] += best == labels.get(i)[p][k] ? 1 : 0;
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < CLASSES.length; k++) {
            out.append(k == 0 ? "" : ", ").append(String.format("%.1f%%", 100.0 * right[k] / (labels.size() * n)));
        }
        return out.toString();
    }
}
