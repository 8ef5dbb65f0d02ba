package org.invllava.vision.svc;

import java.time.Duration;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.TensorDType;

/**
 * How the vision encoder consumes and batches: up to {@code maxBatch} images are encoded together, those already
 * arrived and then, for {@code maxWait} after the first (0 by default: no added latency), any more; images over
 * {@code maxImageBytes} or {@code maxPixels} are refused; features travel as {@code featureDtype} (F32 keeps the model's output exact).
 */
public record VisionEncoderConfig(
        KafkaSettings kafka,
        String groupId,
        int maxBatch,
        Duration maxWait,
        int maxImageBytes,
        long maxPixels,
        TensorDType featureDtype,
        int cacheEntries,
        ModelTopics topics) {

    public VisionEncoderConfig {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be at least 1");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("max wait must not be negative");
        }
        if (maxImageBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("image limits must be positive");
        }
        if (cacheEntries < 0) {
            throw new IllegalArgumentException("VISION_CACHE_ENTRIES must be at least 0 (0: no cache)");
        }
    }

    /** Defaults for the primary model's topics ({@code vlm.images} → {@code vlm.features}). */
    public static VisionEncoderConfig defaults(KafkaSettings kafka) {
        return defaults(kafka, ModelTopics.of(ModelTopics.PRIMARY));
    }

    /** Defaults for one served model: its topics, and a consumer group of its own. */
    public static VisionEncoderConfig defaults(KafkaSettings kafka, ModelTopics topics) {
        return new VisionEncoderConfig(
                kafka, topics.visionGroup(), 8, Duration.ZERO, 10 << 20, 40_000_000L, TensorDType.F32, 64, topics);
    }
}
