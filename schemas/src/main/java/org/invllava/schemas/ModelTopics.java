package org.invllava.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The topics that carry one served model's work, so that its prompts, images and features reach only the vision
 * encoder and fusion LLM instances of that model: the primary model ({@link #PRIMARY}, Inverse-LLaVA) uses the
 * plain names ({@code vlm.images}, ...), any other model {@code m} the same names with {@code .m} appended
 * ({@code vlm.prompts.llava-1.5}). Tokens, control and dead letters are shared by every model (keyed by request).
 */
public record ModelTopics(String model, String images, String prompts, String features, String work, String bulkWork) {
    /** The model whose topics keep the plain names (what every deployment before model routing served). */
    public static final String PRIMARY = "inverse-llava";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");
    private static final List<String> PER_MODEL =
            List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES, Topics.WORK, Topics.WORK_BULK);

    public static ModelTopics of(String model) {
        if (model == null || !ID.matcher(model).matches()) {
            throw new IllegalArgumentException(
                    "model id '" + model + "' must be 1-63 of a-z, 0-9, '.', '-' (it names topics)");
        }
        return new ModelTopics(
                model,
                name(model, Topics.IMAGES),
                name(model, Topics.PROMPTS),
                name(model, Topics.FEATURES),
                name(model, Topics.WORK),
                name(model, Topics.WORK_BULK));
    }

    /** {@code model}'s name for {@code topic}: a per-model topic gets the suffix, a shared one keeps its name. */
    private static String name(String model, String topic) {
        return model.equals(PRIMARY) || !PER_MODEL.contains(topic) ? topic : topic + "." + model;
    }

    /** Suffix for consumer groups and Streams application ids of this model's services ("" for the primary). */
    public String groupSuffix() {
        return model.equals(PRIMARY) ? "" : "-" + model;
    }

    /** The vision encoders' default consumer group ({@code vision-encoder}, {@code vision-encoder-<model>}). */
    public String visionGroup() {
        return "vision-encoder" + groupSuffix();
    }

    /** The fusion LLM's default generation (work) group ({@code fusion-llm}, {@code fusion-llm-<model>}). */
    public String workGroup() {
        return "fusion-llm" + groupSuffix();
    }

    /** The fusion LLM's default Streams application id for the join ({@code fusion-llm-join[-<model>]}). */
    public String joinApplication() {
        return "fusion-llm-join" + groupSuffix();
    }

    /** The specs of every topic a stack serving {@code models} needs: the shared ones once, the per-model ones each. */
    public static List<Topics.Spec> specs(List<String> models) {
        List<Topics.Spec> out = new ArrayList<>(Topics.ALL);
        for (String m : models) {
            of(m); // checks the id
            for (Topics.Spec s : Topics.ALL) {
                if (!m.equals(PRIMARY) && PER_MODEL.contains(s.name())) {
                    out.add(new Topics.Spec(name(m, s.name()), s.valueType(), s.defaultPartitions(), s.retention()));
                }
            }
        }
        return List.copyOf(out);
    }
}
