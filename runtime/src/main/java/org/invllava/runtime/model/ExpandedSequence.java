package org.invllava.runtime.model;

import java.util.List;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.wire.PatchFeatures;

/**
 * A prompt with each image token (−200) replaced by its patch slots. {@code tokenIds} holds 0 at patch
 * slots (their embedding is zeroed), {@code visual} the [length, dim] visual stream (zero at text slots).
 */
public record ExpandedSequence(long[] tokenIds, boolean[] isPatch, float[] visual, int visualDim) {

    public int length() {
        return tokenIds.length;
    }

    /** Builds the expanded sequence; the number of images must equal the number of −200 tokens. */
    public static ExpandedSequence build(int[] promptIds, List<PatchFeatures> images, int visualDim, int vocabSize) {
        long slots = java.util.Arrays.stream(promptIds)
                .filter(id -> id == LlamaTokenizer.IMAGE_TOKEN_ID)
                .count();
        if (slots != images.size()) {
            throw new IllegalArgumentException(
                    "prompt has " + slots + " image token(s) but " + images.size() + " image(s) were given");
        }
        int length = 0;
        for (int id : promptIds) {
            if (id != LlamaTokenizer.IMAGE_TOKEN_ID && (id < 0 || id >= vocabSize)) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
            }
        }
        int img = 0;
        for (int id : promptIds) {
            length += id == LlamaTokenizer.IMAGE_TOKEN_ID ? images.get(img++).patches() : 1;
        }
        long[] ids = new long[length];
        boolean[] patch = new boolean[length];
        float[] visual = new float[length * visualDim];
        int pos = 0;
        img = 0;
        for (int id : promptIds) {
            if (id != LlamaTokenizer.IMAGE_TOKEN_ID) {
                ids[pos++] = id;
                continue;
            }
            PatchFeatures f = images.get(img++);
            if (f.dim() != visualDim) {
                throw new IllegalArgumentException(
                        "image features have dim " + f.dim() + ", the model expects " + visualDim);
            }
            System.arraycopy(f.data(), 0, visual, pos * visualDim, f.data().length);
            java.util.Arrays.fill(patch, pos, pos + f.patches(), true);
            pos += f.patches();
        }
        return new ExpandedSequence(ids, patch, visual, visualDim);
    }
}
