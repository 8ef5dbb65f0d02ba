package org.invllava.runtime.dpa;

/**
 * The perceiver's 3-row positions ({@code Qwen2_5_VLModel.get_rope_index} for one image): tokens before the first
 * image pad k get (j, j, j); the pad of merged cell (r, c) gets (k, k+r, k+c); later tokens continue from
 * {@code k + max(rows, cols)}, one a token (so {@code <|vision_end|>} sits at {@code k + max(rows, cols)}).
 */
public final class MropePositions {
    private MropePositions() {}

    /** Positions [3][L] of {@code ids}, whose image pads are one run of {@code rows·cols} tokens. */
    public static long[][] of(int[] ids, int imagePadId, int rows, int cols) {
        int k = firstIndexOf(ids, imagePadId);
        long[][] out = new long[3][ids.length];
        int n = rows * cols;
        for (int j = 0; j < ids.length; j++) {
            if (k < 0 || j < k) {
                out[0][j] = out[1][j] = out[2][j] = j;
            } else if (j < k + n) {
                int cell = j - k;
                out[0][j] = k;
                out[1][j] = k + cell / cols;
                out[2][j] = k + cell % cols;
            } else {
                out[0][j] = out[1][j] = out[2][j] = (long) k + Math.max(rows, cols) + (j - k - n);
            }
        }
        if (k >= 0) {
            for (int j = k; j < k + n; j++) {
                if (j >= ids.length || ids[j] != imagePadId) {
                    throw new IllegalArgumentException("the prompt's image pads are not one run of " + n + " tokens");
                }
            }
        }
        return out;
    }

    static int firstIndexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }
}
