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
    /** What the four directories are called where they come from (options or variables), for messages. */
    record Names(String llava, String vision, String language, String fusion) {}

    /** The environment variables services read a source from. */
    Names ENV = new Names("LLAVA_MODEL_DIR", "VISION_MODEL_DIR", "LANGUAGE_MODEL_DIR", "FUSION_CHECKPOINT_DIR");

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
        /** The variables that make a service serve DPA. */
        public static final String MODEL_ENV = "DPA_MODEL_DIR";

        public static final String REFS_ENV = "DPA_REFS_DIR";

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
                    ? Map.of(MODEL_ENV, absolute(model))
                    : Map.of(MODEL_ENV, absolute(model), REFS_ENV, absolute(refs));
        }

        /**
         * DPA when {@code model} is set; refuses {@code others} (the other families' directories, by the name they
         * were given under) set beside it.
         */
        public static java.util.Optional<ModelSource> of(
                Path model, Path refs, String modelName, Map<String, Path> others) {
            if (model == null) {
                if (refs != null) {
                    throw new IllegalArgumentException(modelName + " is required with the DPA references' folder");
                }
                return java.util.Optional.empty();
            }
            List<String> given = others.entrySet().stream()
                    .filter(e -> e.getValue() != null)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(
                        "give " + modelName + " (DPA) or " + String.join(", ", given) + ", not both");
            }
            return java.util.Optional.of(new Dpa(model, refs));
        }
    }

    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /**
     * Each of {@code names} (llava, vision, language, fusion) with its directory, null when unset: what
     * {@link Dpa#of} refuses beside a DPA checkpoint.
     */
    static Map<String, Path> byName(Names names, Path llava, Path vision, Path language, Path fusion) {
        Path[] values = {llava, vision, language, fusion};
        String[] keys = {names.llava(), names.vision(), names.language(), names.fusion()};
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            out.put(keys[i], values[i]);
        }
        return out;
    }

    /** As {@link #of(Path, Path, Path, Path, Names)} for a vision encoder: the language model is not needed. */
    static ModelSource forVision(Path llava, Path vision, Path fusion, Names names) {
        return of(llava, vision, null, fusion, names, true, false);
    }

    /**
     * As {@link #of(Path, Path, Path, Path, Names)} for a fusion LLM ({@link #loadLanguage}): Inverse-LLaVA's CLIP
     * directory is not needed (LLaVA-1.5's original release still needs its CLIP config).
     */
    static ModelSource forLanguage(Path llava, Path vision, Path language, Path fusion, Names names) {
        return of(llava, vision, language, fusion, names, false, true);
    }

    /**
     * {@code llava} (with {@code vision} as its CLIP directory for the original release), or else Inverse-LLaVA's
     * {@code vision}, {@code language} and {@code fusion}, all three required; mixing the two is an error.
     * {@code names} says what each is called where it came from, for messages.
     */
    static ModelSource of(Path llava, Path vision, Path language, Path fusion, Names names) {
        return of(llava, vision, language, fusion, names, true, true);
    }

    private static ModelSource of(
            Path llava,
            Path vision,
            Path language,
            Path fusion,
            Names names,
            boolean needsVision,
            boolean needsLanguage) {
        if (llava != null) {
            if (language != null || fusion != null) {
                throw new IllegalArgumentException(
                        "give " + names.llava() + " or " + names.language() + " with " + names.fusion() + ", not both");
            }
            return new Llava(new LlavaPaths(llava, vision));
        }
        if ((needsVision && vision == null) || (needsLanguage && language == null) || fusion == null) {
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
        return new InverseLlava(new ModelPaths(vision, language, fusion));
    }
}
