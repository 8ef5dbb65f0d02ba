package org.invllava.runtime.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.tokenizer.ChatFormat;
import org.invllava.runtime.tokenizer.Tokenizer;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;

/**
 * A vision tower, a way of bringing its features into a LLaMA, and the LLaMA: what generation, the batching
 * engine and the benches need, the same for Inverse-LLaVA ({@link InverseLlavaModel}) and the LLaVA-1.5 baseline
 * ({@link LlavaModel}).
 */
public interface MultimodalModel extends AutoCloseable {
    /** The served model id ({@code inverse-llava}, {@code llava-1.5}). */
    String id();

    /** The vocabulary of the language model's ids. */
    Tokenizer tokenizer();

    /** How prompts are written for this model (its chat template, its raw prompts). */
    ChatFormat chat();

    LlamaModel language();

    DataType dtype();

    /** False when loaded for a fusion LLM instance (language side alone: images arrive as features). */
    boolean hasVision();

    /** Width of one patch's features as the vision tower gives them (what {@link #expand} takes). */
    int featureDim();

    /**
     * Preprocesses and encodes a batch of images: one [patches, featureDim] block each; refuses with
     * {@link IllegalStateException} when the model was loaded without its vision side ({@link #hasVision()}).
     */
    List<PatchFeatures> encodeImages(List<RgbImage> images);

    /**
     * The expanded prompt: each image token (−200) of {@code promptIds} replaced by the patch slots of the next
     * image's features (as {@link #encodeImages} gives them).
     */
    ExpandedSequence expand(int[] promptIds, List<PatchFeatures> images);

    /** An empty step input whose patch rows are what this model's expanded sequences carry. */
    StepInput newStepInput();

    /** A manager for tensors that live as long as this model at most (a serving engine's KV pool). */
    NDManager newManager();

    /** A new generation sequence with its own KV cache. */
    default Sequence newSequence() {
        return new Sequence(newManager(), language(), dtype(), this::newStepInput);
    }

    @Override
    void close();

    /** {@code vision}, or the error a model loaded without its vision tower gives when asked for it. */
    static VisionModel requireVision(VisionModel vision, String modelId) {
        if (vision == null) {
            throw new IllegalStateException(modelId + " was loaded without its vision tower (the language side of a "
                    + "fusion LLM instance); images are encoded by the vision encoder");
        }
        return vision;
    }
}
