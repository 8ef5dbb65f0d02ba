package org.invllava.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.invllava.runtime.language.FusionStreams;
import org.invllava.runtime.language.LlamaModel;

/**
 * The stacked rows of one forward call, in the order of its segments: a text token (text mask 1, V = 0) or a
 * patch slot carrying its visual row. Built on the Java side, turned into tensors once.
 */
public final class StepInput {
    /** What a patch slot's visual row is to the language model. */
    public enum PatchRows {
        /** Inverse-LLaVA: the visual stream V of the fusion layers; the slot's input embedding is zero. */
        FUSION_STREAM,
        /** LLaVA-1.5: the projected patch is the slot's input embedding; no fusion. */
        INPUT_EMBEDDING
    }

    private final int visualDim;
    private final PatchRows patchRows;
    private long[] ids = new long[16];
    private boolean[] patch = new boolean[16];
    private float[] visual;
    private int rows;

    public StepInput(int visualDim, PatchRows patchRows) {
        this.visualDim = visualDim;
        this.patchRows = patchRows;
        this.visual = new float[16 * visualDim];
    }

    /** The embeddings [N, D] and fusion streams (null for {@link PatchRows#INPUT_EMBEDDING}) of the rows added so far. */
    public record Tensors(NDArray embeds, FusionStreams streams) {}

    public int rows() {
        return rows;
    }

    /** One generated (text) token. */
    public StepInput addText(int tokenId) {
        grow(rows + 1);
        ids[rows++] = tokenId;
        return this;
    }

    /** Positions {@code from .. to−1} of an expanded prompt. */
    public StepInput addExpanded(ExpandedSequence seq, int from, int to) {
        int n = to - from;
        grow(rows + n);
        System.arraycopy(seq.tokenIds(), from, ids, rows, n);
        System.arraycopy(seq.isPatch(), from, patch, rows, n);
        System.arraycopy(seq.visual(), from * visualDim, visual, rows * visualDim, n * visualDim);
        rows += n;
        return this;
    }

    /**
     * Embeddings and the visual stream and masks, in {@code dtype}, owned by {@code m}: at patch slots the
     * embedding is zero and V the visual row, or (input-embedding rows) the embedding is the visual row.
     */
    public Tensors tensors(NDManager m, LlamaModel language, DataType dtype) {
        return tensors(m, language, dtype, null);
    }

    /**
     * As {@link #tensors(NDManager, LlamaModel, DataType)}, input-embedding rows passed through {@code projection}
     * first (training LLaVA-1.5's projector: the rows hold raw patch features); null: the rows are embeddings already.
     */
    public Tensors tensors(NDManager m, LlamaModel language, DataType dtype, UnaryOperator<NDArray> projection) {
        float[] text = new float[rows];
        float[] vision = new float[rows];
        for (int i = 0; i < rows; i++) {
            text[i] = patch[i] ? 0f : 1f;
            vision[i] = patch[i] ? 1f : 0f;
        }
        NDArray textMask = m.create(text, new Shape(rows, 1)).toType(dtype, false); // [N, 1]
        NDArray embeds = language.embed(m, Arrays.copyOf(ids, rows)).mul(textMask); // [N, D], zero at patch slots
        NDArray v = m.create(Arrays.copyOf(visual, rows * visualDim), new Shape(rows, visualDim))
                .toType(dtype, false);
        if (patchRows == PatchRows.INPUT_EMBEDDING) {
            if (projection == null) {
                return new Tensors(embeds.add(v), null); // v is zero at text slots
            }
            NDArray patchMask = m.create(vision, new Shape(rows, 1)).toType(dtype, false); // [N, 1]
            return new Tensors(embeds.add(projection.apply(v).mul(patchMask)), null); // [N, D]
        }
        return new Tensors(
                embeds,
                new FusionStreams(
                        v, textMask, m.create(vision, new Shape(rows, 1)).toType(dtype, false)));
    }

    private void grow(int needed) {
        if (needed > ids.length) {
            int size = Math.max(needed, ids.length * 2);
            ids = Arrays.copyOf(ids, size);
            patch = Arrays.copyOf(patch, size);
            visual = Arrays.copyOf(visual, size * visualDim);
        }
    }
}
