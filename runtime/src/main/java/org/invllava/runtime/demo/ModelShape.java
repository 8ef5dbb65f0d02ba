package org.invllava.runtime.demo;

/**
 * Sizes of a generated Inverse-LLaVA: a CLIP vision tower, a LLaMA and the fusion/LoRA delta.
 * {@link #benchmark()} has the real shapes the bench command measures.
 */
public record ModelShape(
        int clipHidden,
        int clipLayers,
        int clipHeads,
        int clipFfn,
        int patchSize,
        int imageSize,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int ffn,
        int vocab,
        int maxPositions,
        int loraRank) {
    public ModelShape {
        if (clipHidden % clipHeads != 0 || hidden % heads != 0 || heads % kvHeads != 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("inconsistent model shape " + this);
        }
        if (vocab < 512) {
            throw new IllegalArgumentException("vocab must hold at least 512 pieces (bytes and controls)");
        }
    }

    /** CLIP ViT-L/14-336 and a LLaMA of TinyLlama-1.1B shape. */
    public static ModelShape benchmark() {
        return new ModelShape(1024, 24, 16, 4096, 14, 336, 2048, 22, 32, 4, 5632, 32000, 2048, 8);
    }

    /** CLIP ViT-L/14-336 and a LLaMA-2-7B (Vicuna-7B) shape, LoRA rank 64: the memory-budget check. */
    public static ModelShape llama7b() {
        return new ModelShape(1024, 24, 16, 4096, 14, 336, 4096, 32, 32, 32, 11008, 32000, 4096, 64);
    }

    /** A small CLIP and a ~150M-parameter LLaMA (12 layers of 768, vocabulary 32000): weight-format accuracy runs. */
    public static ModelShape small150m() {
        return new ModelShape(256, 2, 4, 1024, 14, 112, 768, 12, 12, 4, 2048, 32000, 2048, 8);
    }

    /** A few MB: the bundled demo model of the local stack and quick bench runs. */
    public static ModelShape tiny() {
        return new ModelShape(64, 2, 4, 128, 14, 112, 64, 2, 4, 2, 172, 2048, 1024, 4);
    }

    /** This shape with {@code n} LLaMA layers. */
    public ModelShape withLayers(int n) {
        return new ModelShape(
                clipHidden,
                clipLayers,
                clipHeads,
                clipFfn,
                patchSize,
                imageSize,
                hidden,
                n,
                heads,
                kvHeads,
                ffn,
                vocab,
                maxPositions,
                loraRank);
    }

    public int kvDim() {
        return hidden / heads * kvHeads;
    }

    public int patches() {
        int g = imageSize / patchSize;
        return g * g;
    }

    /** Language weights an Inverse-LLaVA decode step streams (everything but the embedding table). */
    public long decodeWeightParams() {
        long attn = 2L * hidden * hidden + 2L * hidden * kvDim();
        long mlp = 3L * hidden * ffn;
        return layers * (attn + mlp + 2L * hidden) + hidden + (long) vocab * hidden + fusionParams();
    }

    /** The fusion weights of one fusion layer (text-to-vision and output projections of q, k, v). */
    public long fusionParams() {
        return 3L * clipHidden * hidden + (hidden + 2L * kvDim()) * 2 * clipHidden;
    }
}
