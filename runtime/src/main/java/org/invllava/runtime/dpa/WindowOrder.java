package org.invllava.runtime.dpa;

import java.util.ArrayList;
import java.util.List;

/**
 * Qwen2.5-VL's window attention order ({@code get_window_index}) for one image of {@code rows × cols} merged units:
 * the grid is padded to whole windows of {@code w × w} units, windows are scanned row-major and the units inside each
 * row-major, padding dropped. {@link #units} is the permutation (unit indices, row-major in the grid) and
 * {@link #windows} the number of units of each non-empty window.
 */
public record WindowOrder(int[] units, int[] windows) {

    public static WindowOrder of(int rows, int cols, int w) {
        int windowRows = (rows + w - 1) / w;
        int windowCols = (cols + w - 1) / w;
        int[] units = new int[rows * cols];
        List<Integer> sizes = new ArrayList<>();
        int next = 0;
        for (int wr = 0; wr < windowRows; wr++) {
            for (int wc = 0; wc < windowCols; wc++) {
                int count = 0;
                for (int r = wr * w; r < Math.min(rows, (wr + 1) * w); r++) {
                    for (int c = wc * w; c < Math.min(cols, (wc + 1) * w); c++) {
                        units[next++] = r * cols + c;
                        count++;
                    }
                }
                if (count > 0) {
                    sizes.add(count);
                }
            }
        }
        return new WindowOrder(units, sizes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The patch permutation: unit u's {@code unitPatches} consecutive patches, in window order. */
    public int[] patches(int unitPatches) {
        int[] out = new int[units.length * unitPatches];
        for (int i = 0; i < units.length; i++) {
            for (int p = 0; p < unitPatches; p++) {
                out[i * unitPatches + p] = units[i] * unitPatches + p;
            }
        }
        return out;
    }

    /** The inverse of {@link #units}: where unit u sits in window order. */
    public int[] inverse() {
        int[] out = new int[units.length];
        for (int i = 0; i < units.length; i++) {
            out[units[i]] = i;
        }
        return out;
    }
}
