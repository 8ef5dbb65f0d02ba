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
}
