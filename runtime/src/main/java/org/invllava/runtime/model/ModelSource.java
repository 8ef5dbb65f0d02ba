package org.invllava.runtime.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.dpa.DpaModel;
import org.invllava.runtime.dpa.DpaServingModel;

/**
 * Which checkpoint a service or command serves: Inverse-LLaVA's three directories, a LLaVA-1.5 checkpoint, or a DPA
 * checkpoint. Services read it from {@code LLAVA_MODEL_DIR}, {@code VISION_MODEL_DIR}/{@code LANGUAGE_MODEL_DIR}/
 * {@code FUSION_CHECKPOINT_DIR} or {@code DPA_MODEL_DIR} (with {@code DPA_REFS_DIR}); the CLI from the matching
 * options.
 */
public sealed interface ModelSource permits ModelSource.InverseLlava, ModelSource.Llava, ModelSource.Dpa {
    /**
     * The directories a source is chosen from, each null when not given: LLaVA-1.5's checkpoint, Inverse-LLaVA's
     * three (or the original LLaVA release's CLIP as {@code vision}), and DPA's checkpoint with its references' folder.
     */
    record Dirs(Path llava, Path vision, Path language, Path fusion, Path dpa, Path dpaRefs) {}

    /** What each of {@link Dirs} is called where it comes from (options or variables), for messages. */
    record Names(String llava, String vision, String language, String fusion, String dpa, String dpaRefs) {}

    /** The environment variables services read a source from. */
    Names ENV = new Names(
            "LLAVA_MODEL_DIR",
            "VISION_MODEL_DIR",
            "LANGUAGE_MODEL_DIR",
            "FUSION_CHECKPOINT_DIR",
            "DPA_MODEL_DIR",
            "DPA_REFS_DIR");

    /** The model id it is served under by default. */
    String id();

    /** The whole model (vision, projection or fusion, language). */
    MultimodalModel load(LoadOptions options);

    /** The language side alone (fusion or projector, and the LLaMA), for a fusion LLM: images arrive as features. */
    MultimodalModel loadLanguage(LoadOptions options);

    /** Only the vision side, for a vision encoder. */
    ImageEncoder loadVision(LoadOptions options);

    /** The directory the vision tower's weights come from (what a vision encoder names as its encoder id). */
    Path visionCheckpoint();

    /** The variables ({@link #ENV}) that make a service serve this source. */
    Map<String, String> variables();

    record InverseLlava(ModelPaths paths) implements ModelSource {
        @Override
        public String id() {
            return InverseLlavaModel.ID;
        }

        @Override
        public MultimodalModel load(LoadOptions options) {
            return InverseLlavaModel.load(paths, options);
        }

        @Override
        public MultimodalModel loadLanguage(LoadOptions options) {
            return InverseLlavaModel.load(paths, options, false);
        }

        @Override
        public ImageEncoder loadVision(LoadOptions options) {
            return VisionModel.load(paths.vision(), paths.fusion(), options);
        }

        @Override
        public Path visionCheckpoint() {
            return paths.vision();
        }

        @Override
        public Map<String, String> variables() {
            return Map.of(
                    ENV.vision(),
                    absolute(paths.vision()),
                    ENV.language(),
                    absolute(paths.language()),
                    ENV.fusion(),
                    absolute(paths.fusion()));
        }
    }

    record Llava(LlavaPaths paths) implements ModelSource {
        @Override
        public String id() {
            return LlavaModel.ID;
        }

        @Override
        public MultimodalModel load(LoadOptions options) {
            return LlavaModel.load(paths, options);
        }

        @Override
        public MultimodalModel loadLanguage(LoadOptions options) {
            return LlavaModel.load(paths, options, false);
        }

        @Override
        public ImageEncoder loadVision(LoadOptions options) {
            return LlavaModel.loadVision(paths, options);
        }

        @Override
        public Path visionCheckpoint() {
            return paths.vision() != null ? paths.vision() : paths.model();
        }

        @Override
        public Map<String, String> variables() {
            return paths.vision() == null
                    ? Map.of(ENV.llava(), absolute(paths.model()))
                    : Map.of(ENV.llava(), absolute(paths.model()), ENV.vision(), absolute(paths.vision()));
        }
    }

    /**
     * DPA ({@link DpaServingModel}): the checkpoint in either layout, and the folder of the models it names by
     * reference (null: beside the checkpoint). Its vision side is the perceiver and the aligner; the fusion LLM runs
     * the thinker.
     */
    record Dpa(Path model, Path refs) implements ModelSource {
        public Dpa {
            java.util.Objects.requireNonNull(model, "a DPA checkpoint directory");
        }

        @Override
        public String id() {
            return DpaServingModel.ID;
        }

        @Override
        public MultimodalModel load(LoadOptions options) {
            return DpaServingModel.load(model, refs, options, true);
        }

        @Override
        public MultimodalModel loadLanguage(LoadOptions options) {
            return DpaServingModel.load(model, refs, options, false);
        }

        @Override
        public ImageEncoder loadVision(LoadOptions options) {
            return DpaModel.load(model, refs, java.util.EnumSet.of(DpaModel.Part.VISION), options);
        }

        @Override
        public Path visionCheckpoint() {
            return model;
        }

        @Override
        public Map<String, String> variables() {
            return refs == null
                    ? Map.of(ENV.dpa(), absolute(model))
                    : Map.of(ENV.dpa(), absolute(model), ENV.dpaRefs(), absolute(refs));
        }
    }

    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /** As {@link #of(Dirs, Names)} for a vision encoder: the language model is not needed. */
    static ModelSource forVision(Dirs dirs, Names names) {
        return of(dirs, names, true, false);
    }

    /**
     * As {@link #of(Dirs, Names)} for a fusion LLM ({@link #loadLanguage}): Inverse-LLaVA's CLIP directory is not
     * needed (LLaVA-1.5's original release still needs its CLIP config).
     */
    static ModelSource forLanguage(Dirs dirs, Names names) {
        return of(dirs, names, false, true);
    }

    /**
     * DPA from {@code dpa} (with its references' folder), or {@code llava} (with {@code vision} as its CLIP directory
     * for the original release), or else Inverse-LLaVA's {@code vision}, {@code language} and {@code fusion}, all
     * three required; mixing families is an error. {@code names} says what each is called where it came from, for
     * messages.
     */
    static ModelSource of(Dirs dirs, Names names) {
        return of(dirs, names, true, true);
    }

    private static ModelSource of(Dirs dirs, Names names, boolean needsVision, boolean needsLanguage) {
        if (dirs.dpa() != null) {
            return dpa(dirs, names);
        }
        if (dirs.dpaRefs() != null) {
            throw new IllegalArgumentException(names.dpa() + " is required with " + names.dpaRefs());
        }
        if (dirs.llava() != null) {
            if (dirs.language() != null || dirs.fusion() != null) {
                throw new IllegalArgumentException(
                        "give " + names.llava() + " or " + names.language() + " with " + names.fusion() + ", not both");
            }
            return new Llava(new LlavaPaths(dirs.llava(), dirs.vision()));
        }
        if ((needsVision && dirs.vision() == null)
                || (needsLanguage && dirs.language() == null)
                || dirs.fusion() == null) {
            List<String> required = new java.util.ArrayList<>();
            if (needsVision) {
                required.add(names.vision());
            }
            if (needsLanguage) {
                required.add(names.language());
            }
            String list = String.join(", ", required) + " and " + names.fusion();
            throw new IllegalArgumentException(list + " are required (or " + names.llava() + " for LLaVA-1.5)");
        }
        return new InverseLlava(new ModelPaths(dirs.vision(), dirs.language(), dirs.fusion()));
    }

    /** DPA from {@code dirs}; the other families' directories given beside it are refused, naming them. */
    private static ModelSource dpa(Dirs dirs, Names names) {
        Path[] values = {dirs.llava(), dirs.vision(), dirs.language(), dirs.fusion()};
        String[] keys = {names.llava(), names.vision(), names.language(), names.fusion()};
        List<String> others = java.util.stream.IntStream.range(0, keys.length)
                .filter(i -> values[i] != null)
                .mapToObj(i -> keys[i])
                .sorted()
                .toList();
        if (!others.isEmpty()) {
            throw new IllegalArgumentException(
                    "give " + names.dpa() + " (DPA) or " + String.join(", ", others) + ", not both");
        }
        return new Dpa(dirs.dpa(), dirs.dpaRefs());
    }
}
