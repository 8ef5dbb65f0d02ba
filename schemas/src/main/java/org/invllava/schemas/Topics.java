package org.invllava.schemas;

import java.time.Duration;
import java.util.List;

/** Topic names shared by every service, with the partition counts and message sizes they are created with. */
public final class Topics {
    public static final String IMAGES = "vlm.images";
    public static final String PROMPTS = "vlm.prompts";
    public static final String FEATURES = "vlm.features";
    public static final String TOKENS = "vlm.tokens";
    public static final String CONTROL = "vlm.control";
    public static final String DEAD_LETTER = "vlm.dead-letter";
    /** Internal to fusion-llm-svc: prompts joined with their features, consumed by the generation scheduler. */
    public static final String WORK = "vlm.work";
    /**
     * Internal to fusion-llm-svc: the work of bulk requests ({@code PromptRequest.bulk}), read by the scheduler beside
     * {@link #WORK} and served on the batch's spare room; kept a day, as a bulk job may wait behind interactive traffic.
     */
    public static final String WORK_BULK = "vlm.work.bulk";

    /** Large enough for images (10 MiB limit at the gateway) and 576x4096 float32 features (9.4 MB). */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /**
     * A topic, the record type it carries, its partitions and how long its records are kept: past every request
     * deadline and the join window (nothing older can still be answered). The topics that carry images and feature
     * tensors keep an hour, what sizes the brokers' disks (docs/operations.md, "Broker disk").
     */
    public record Spec(String name, Class<?> valueType, int defaultPartitions, Duration retention) {}

    public static final List<Spec> ALL = List.of(
            new Spec(IMAGES, ImageRequest.class, 4, Duration.ofHours(1)),
            new Spec(PROMPTS, PromptRequest.class, 4, Duration.ofHours(24)),
            new Spec(FEATURES, VisualFeatures.class, 4, Duration.ofHours(1)),
            new Spec(TOKENS, TokenChunk.class, 4, Duration.ofHours(1)),
            new Spec(CONTROL, ControlMessage.class, 1, Duration.ofHours(1)),
            new Spec(DEAD_LETTER, DeadLetter.class, 1, Duration.ofDays(14)),
            new Spec(WORK, WorkItem.class, 4, Duration.ofHours(1)),
            new Spec(WORK_BULK, WorkItem.class, 4, Duration.ofHours(24)));

    private Topics() {}
}
