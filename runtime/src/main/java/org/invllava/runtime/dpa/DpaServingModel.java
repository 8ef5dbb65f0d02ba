package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.tokenizer.ChatFormat;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.wire.PatchFeatures;

/**
 * DPA as the engine and the services serve it: the image's "features" are the aligned rows (perceiver + aligner,
 * N+2 of the thinker's width, what a DPA vision encoder sends), the prompt is written by {@link QwenChat} with the
 * image span as one image slot, and the thinker on the serving engine's decoder reads the rows there as input
 * embeddings, as LLaVA-1.5 reads its projected patches.
 */
public final class DpaServingModel implements MultimodalModel {
    /** The model id DPA is served under unless a service is given another ({@code MODEL_ID}). */
    public static final String ID = "dpa";

    private final DpaModel model;
    private final QwenChat chat;

    public DpaServingModel(DpaModel model) {
        this.model = model;
        this.chat = new QwenChat(model.thinkerTokenizer());
    }

    /** The whole model ({@code withVision}) or the thinker alone (a fusion LLM: the rows arrive from Kafka). */
    public static DpaServingModel load(Path dir, Path refs, LoadOptions options, boolean withVision) {
        return new DpaServingModel(DpaModel.load(
                dir,
                refs,
                withVision ? EnumSet.allOf(DpaModel.Part.class) : EnumSet.of(DpaModel.Part.THINKER),
                options));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public QwenTokenizer tokenizer() {
        return model.thinkerTokenizer();
    }

    @Override
    public ChatFormat chat() {
        return chat;
    }

    @Override
    public LlamaModel language() {
        return model.thinker();
    }

    @Override
    public DataType dtype() {
        return model.thinkerDtype();
    }

    @Override
    public boolean hasVision() {
        return model.hasVision();
    }

    /** The aligned rows' width: the thinker's hidden size. */
    @Override
    public int featureDim() {
        return model.thinkerConfig().hiddenSize();
    }

    /**
     * Each image through the tower, the perceiver and the aligner: N+2 aligned rows (N from the image's size);
     * {@link IllegalStateException} from {@link DpaModel} when only the thinker was loaded.
     */
    @Override
    public List<PatchFeatures> encodeImages(List<RgbImage> images) {
        return model.encodeImages(images);
    }

    /** Each image slot of {@code promptIds} replaced by the next image's N+2 rows, as input embeddings. */
    @Override
    public ExpandedSequence expand(int[] promptIds, List<PatchFeatures> images) {
        LlamaConfig c = model.thinkerConfig();
        for (PatchFeatures f : images) {
            if (f.dim() != c.hiddenSize() || f.patches() < 3) {
                throw new IllegalArgumentException("DPA image rows are [N+2, " + c.hiddenSize() + "] with N ≥ 1, got ["
                        + f.patches() + ", " + f.dim() + "]");
            }
        }
        return ExpandedSequence.build(promptIds, images, c.hiddenSize(), c.vocabSize());
    }

    @Override
    public StepInput newStepInput() {
        return new StepInput(model.thinkerConfig().hiddenSize(), StepInput.PatchRows.INPUT_EMBEDDING);
    }

    @Override
    public NDManager newManager() {
        return model.newManager();
    }

    @Override
    public void close() {
        model.close();
    }
}
