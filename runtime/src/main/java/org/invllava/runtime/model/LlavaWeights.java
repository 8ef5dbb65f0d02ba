package org.invllava.runtime.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.invllava.runtime.config.LlavaConfig;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.WeightException;

/**
 * A LLaVA-1.5 checkpoint split into its three components, each under the names its loader always uses:
 * {@code model.*}/{@code lm_head.weight} (LLaMA), {@code vision_model.*} (CLIP), {@code linear_{1,2}.*} (projector).
 * Recognises llava-hf's key names before and after transformers 4.52 and the original release's.
 */
record LlavaWeights(String layout, Checkpoint language, Checkpoint vision, Checkpoint projector) {
    private static final String ORIGINAL_PROJECTOR = "model.mm_projector.";

    static LlavaWeights open(LlavaConfig config, LlavaPaths paths) {
        Checkpoint all = Checkpoint.open(paths.model());
        if (config.layout() == LlavaConfig.Layout.ORIGINAL) {
            return original(all, paths.vision());
        }
        if (paths.vision() != null) {
            throw new IllegalArgumentException("--vision-model is for the original LLaVA release; " + paths.model()
                    + " is a llava-hf checkpoint, which carries its own vision tower");
        }
        boolean after452 = all.names().stream().anyMatch(n -> n.startsWith("model.language_model."));
        LlavaWeights w = after452
                ? new LlavaWeights(
                        "llava-hf (transformers >= 4.52 names)",
                        all.renamed("model.language_model.", "model.").plus(all.renamed("lm_head.", "lm_head.")),
                        all.renamed("model.vision_tower.", ""),
                        all.renamed("model.multi_modal_projector.", ""))
                : new LlavaWeights(
                        "llava-hf (transformers < 4.52 names)",
                        all.renamed("language_model.", ""),
                        all.renamed("vision_tower.", ""),
                        all.renamed("multi_modal_projector.", ""));
        w.checkCovers(
                all,
                after452
                        ? List.of(
                                "model.language_model.",
                                "lm_head.",
                                "model.vision_tower.",
                                "model.multi_modal_projector.")
                        : List.of("language_model.", "vision_tower.", "multi_modal_projector."));
        return w;
    }

    private static LlavaWeights original(Checkpoint all, Path visionDir) {
        if (visionDir == null) {
            throw new IllegalArgumentException(all.source() + " is an original LLaVA release: give its CLIP tower "
                    + "directory with --vision-model (its config names a hub id, not a path)");
        }
        Checkpoint projector = all.renamed(ORIGINAL_PROJECTOR + "0.", "linear_1.")
                .plus(all.renamed(ORIGINAL_PROJECTOR + "2.", "linear_2."));
        LlavaWeights w = new LlavaWeights(
                "original release", all.without(ORIGINAL_PROJECTOR), Checkpoint.open(visionDir), projector);
        Set<String> strays = new TreeSet<>(all.renamed(ORIGINAL_PROJECTOR, "").names());
        strays.removeIf(n -> n.startsWith("0.") || n.startsWith("2."));
        if (!strays.isEmpty()) {
            throw new WeightException(all.source() + ": unexpected projector tensor(s) " + ORIGINAL_PROJECTOR + strays
                    + " (mlp2x_gelu has layers 0 and 2)");
        }
        return w;
    }

    /** Every tensor of {@code all} must belong to one of the components. */
    private void checkCovers(Checkpoint all, List<String> prefixes) {
        Set<String> strays = new TreeSet<>();
        for (String name : all.names()) {
            if (prefixes.stream().noneMatch(name::startsWith)) {
                strays.add(name);
            }
        }
        if (!strays.isEmpty()) {
            throw new WeightException(all.source() + ": " + strays.size() + " tensor(s) of no LLaVA component, e.g. "
                    + strays.iterator().next());
        }
    }
}
