package org.invllava.vision.svc;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.invllava.kafka.DeadLetters;
import org.invllava.kafka.FeatureCodec;
import org.invllava.kafka.Sends;
import org.invllava.kafka.SessionTimeouts;
import org.invllava.observability.Metrics;
import org.invllava.observability.Tracing;
import org.invllava.runtime.model.ImageEncoder;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.PoisonRecordException;
import org.invllava.schemas.TensorDType;
import org.invllava.wire.ImageException;
import org.invllava.wire.PatchFeatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code vlm.images} (its model's), encodes images in micro-batches and publishes one {@code vlm.features}
 * record per request: the features, or an error when the image is unusable. Offsets are committed only after the
 * batch's records are acknowledged by Kafka (at-least-once); undecodable records are dead-lettered.
 */
public final class VisionEncoderService implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisionEncoderService.class);
    private static final AvroCodec<ImageRequest> IMAGES = AvroCodec.of(ImageRequest.class);
    private static final AvroCodec<org.invllava.schemas.VisualFeatures> FEATURES =
            AvroCodec.of(org.invllava.schemas.VisualFeatures.class);

    private final VisionEncoderConfig config;
    private final ImageEncoder model;
    private final String encoderId;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final DeadLetters deadLetters;
    private final ImageDecoder decoder;
    private final FeatureCache cache;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean looping = new AtomicBoolean();
    private final Metrics.Histogram encodeSeconds;
    private final Metrics.Histogram batchSize;
    private final Tracing tracing;
    /** When the batch being answered was polled (the start of its images' spans); the loop thread only. */
    private long batchStartNanos;

    private volatile boolean consuming;

    /** A request ready to encode, or already answered. */
    private record Item(ConsumerRecord<byte[], byte[]> record, ImageRequest request, RgbImage image, String sha256) {}

    /** Without tracing (tests). */
    public VisionEncoderService(VisionEncoderConfig config, ImageEncoder model, String encoderId, Metrics metrics) {
        this(config, model, encoderId, metrics, Tracing.off());
    }

    /** {@code tracing}: each image gets a span, the child of its request's {@code traceparent}. */
    public VisionEncoderService(
            VisionEncoderConfig config, ImageEncoder model, String encoderId, Metrics metrics, Tracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.model = model;
        this.encoderId = encoderId;
        Map<String, Object> c = SessionTimeouts.resolve(config.kafka()).consumer(config.groupId());
        c.put("max.poll.records", config.maxBatch());
        this.consumer = new KafkaConsumer<>(c);
        this.producer = tracing.producer(new KafkaProducer<>(config.kafka().producer()));
        this.deadLetters = new DeadLetters(producer, "vision-encoder-svc");
        this.decoder = new ImageDecoder(config.maxPixels());
        this.cache = new FeatureCache(config.cacheEntries());
        Metrics meters = metrics.tagged("model", config.topics().model());
        this.encodeSeconds = meters.histogram("vision_encode_seconds", "Time to encode one micro-batch of images");
        this.batchSize = meters.histogram("vision_batch_size", "Images encoded together", Metrics.SIZE_BUCKETS);
    }

    /** Ready once subscribed and polling; false after the loop ends. */
    public boolean ready() {
        return consuming;
    }

    @Override
    public void run() {
        if (!looping.compareAndSet(false, true)) {
            throw new IllegalStateException("the vision encoder loop is already running");
        }
        try {
            consumer.subscribe(List.of(config.topics().images()));
            consuming = true;
            while (running.get()) {
                List<ConsumerRecord<byte[], byte[]>> batch = nextBatch();
                if (!batch.isEmpty()) {
                    process(batch);
                    consumer.commitSync(nextOffsets(batch));
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consuming = false;
            consumer.close();
            producer.close(Duration.ofSeconds(5)); // after the last batch's sends and commit
        }
    }

    /**
     * Waits for a first record, takes what else has already arrived (no waiting: images that come during this
     * batch's encode form the next one, so batches grow with the load), then up to {@code maxWait} for more, up to
     * {@code maxBatch}. With the default {@code maxWait} 0 a lone image is encoded at once.
     */
    private List<ConsumerRecord<byte[], byte[]>> nextBatch() {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        ConsumerRecords<byte[], byte[]> first = consumer.poll(Duration.ofMillis(200));
        first.forEach(batch::add);
        for (int more = first.count(); more > 0 && batch.size() < config.maxBatch(); ) {
            ConsumerRecords<byte[], byte[]> arrived = consumer.poll(Duration.ZERO);
            arrived.forEach(batch::add);
            more = arrived.count();
        }
        long until = System.nanoTime() + config.maxWait().toNanos();
        while (!batch.isEmpty() && batch.size() < config.maxBatch() && System.nanoTime() < until) {
            consumer.poll(Duration.ofNanos(Math.max(0, until - System.nanoTime())))
                    .forEach(batch::add);
        }
        return batch;
    }

    private void process(List<ConsumerRecord<byte[], byte[]>> batch) {
        batchStartNanos = System.nanoTime();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<Item> toEncode = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            Item item = admit(record, sent);
            if (item != null) {
                PatchFeatures cached = cache.get(item.sha256());
                if (cached != null) {
                    sent.add(send(item, cached, null));
                } else {
                    toEncode.add(item);
                }
            }
        }
        encode(toEncode, sent);
        Sends.awaitAll(sent, "features");
    }

    /** Decodes and checks one record; answers it with an error (or dead-letters it) and returns null when unusable. */
    private Item admit(ConsumerRecord<byte[], byte[]> record, List<Future<RecordMetadata>> sent) {
        ImageRequest request;
        try {
            request = IMAGES.decode(record.value());
        } catch (PoisonRecordException e) {
            deadLetters.publish(record, e.getMessage()); // the decoder's (Avro's) text: for operators only
            // its prompt waits in the join: end the request now, through the prompt's reply address
            if (record.key() != null) {
                String id = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                ErrorInfo unreadable =
                        new ErrorInfo(ErrorCode.INVALID_REQUEST.code(), "the image record could not be read");
                sent.add(send(record, id, null, null, unreadable));
            }
            return null;
        }
        Item item = new Item(record, request, null, null);
        if (request.getDeadlineEpochMs() < System.currentTimeMillis()) {
            sent.add(send(
                    item,
                    null,
                    new ErrorInfo(ErrorCode.DEADLINE_EXCEEDED.code(), "deadline passed before the image was encoded")));
            return null;
        }
        ByteBuffer bytes = request.getImage();
        if (bytes.remaining() > config.maxImageBytes()) {
            sent.add(send(
                    item,
                    null,
                    new ErrorInfo(
                            ErrorCode.IMAGE_TOO_LARGE.code(),
                            "image of " + bytes.remaining() + " bytes exceeds the limit of "
                                    + config.maxImageBytes())));
            return null;
        }
        byte[] raw = new byte[bytes.remaining()];
        bytes.duplicate().get(raw);
        try {
            RgbImage image = decoder.decode(raw);
            model.check(image);
            return new Item(record, request, image, sha256(raw));
        } catch (ImageException e) {
            String code = e.reason() == ImageException.Reason.TOO_LARGE
                    ? ErrorCode.IMAGE_TOO_LARGE.code()
                    : ErrorCode.INVALID_IMAGE.code();
            sent.add(send(item, null, new ErrorInfo(code, e.getMessage())));
            return null;
        }
    }

    private void encode(List<Item> items, List<Future<RecordMetadata>> sent) {
        if (items.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        List<PatchFeatures> features;
        try {
            features = model.encodeImages(items.stream().map(Item::image).toList());
        } catch (RuntimeException e) {
            LOG.error(
                    "encoding a batch of {} failed (requests {})",
                    items.size(),
                    items.stream().map(i -> i.request().getRequestId()).toList(),
                    e);
            for (Item item : items) {
                sent.add(send(
                        item,
                        null,
                        new ErrorInfo(
                                ErrorCode.INTERNAL.code(), "the vision encoder failed (logged with the request id)")));
            }
            return;
        }
        encodeSeconds.observe((System.nanoTime() - t0) / 1e9);
        batchSize.observe(items.size());
        for (int i = 0; i < items.size(); i++) {
            PatchFeatures f = features.get(i);
            long bytes = featureBytes(f, config.featureDtype());
            if (bytes > config.kafka().maxMessageBytes() - MESSAGE_OVERHEAD) {
                // DPA's rows grow with the picture (N+2 of the thinker's width): a record Kafka would refuse
                sent.add(send(
                        items.get(i),
                        null,
                        new ErrorInfo(
                                ErrorCode.IMAGE_TOO_LARGE.code(),
                                "the picture's features (" + f.patches() + " rows of " + f.dim() + ", " + bytes
                                        + " bytes) exceed the " + config.kafka().maxMessageBytes()
                                        + "-byte message limit: send a smaller picture")));
                continue;
            }
            cache.put(items.get(i).sha256(), f);
            sent.add(send(items.get(i), f, null));
        }
    }

    /** Room kept in a features record for everything but the values (ids, shape, headers). */
    static final int MESSAGE_OVERHEAD = 64 * 1024;

    /** The bytes of {@code f}'s values on the topic. */
    static long featureBytes(PatchFeatures f, TensorDType dtype) {
        return (long) f.patches() * f.dim() * (dtype == TensorDType.F16 ? 2 : 4);
    }

    private Future<RecordMetadata> send(Item item, PatchFeatures features, ErrorInfo error) {
        return send(item.record(), item.request().getRequestId(), item.sha256(), features, error);
    }

    /**
     * Request {@code id}'s features (or its error), keyed by the id: the Java partitioner puts them on the key's home
     * partition, where the join pairs them (it moves a prompt that another partitioner placed elsewhere).
     */
    private Future<RecordMetadata> send(
            ConsumerRecord<byte[], byte[]> from, String id, String sha256, PatchFeatures features, ErrorInfo error) {
        org.invllava.schemas.VisualFeatures.Builder out = org.invllava.schemas.VisualFeatures.newBuilder()
                .setRequestId(id)
                .setEncoderId(encoderId)
                .setImageSha256(sha256 == null ? "" : sha256)
                .setDtype(config.featureDtype())
                .setError(error);
        if (features != null) {
            out.setShape(List.of(features.patches(), features.dim()))
                    .setData(FeatureCodec.toBytes(features, config.featureDtype()));
        } else {
            out.setShape(List.of()).setData(ByteBuffer.allocate(0));
        }
        Tracing.Stage stage =
                tracing.start("vision.encode", id, Tracing.extract(from.headers()), SpanKind.CONSUMER, batchStartNanos);
        String traceparent = stage.traceparent();
        if (error != null) {
            LOG.info(
                    "request {} image refused: {} ({}) (traceparent {})",
                    id,
                    error.getCode(),
                    error.getMessage(),
                    traceparent);
        } else {
            LOG.info("request {} image encoded: {} patches (traceparent {})", id, features.patches(), traceparent);
            stage.attribute("patches", features.patches());
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                config.topics().features(),
                id.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                FEATURES.encode(out.build()));
        stage.inject(record.headers());
        try (Scope current = stage.makeCurrent()) { // the publish span is this stage's child
            return producer.send(record);
        } finally {
            stage.end(error == null ? null : error.getCode());
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> batch) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            out.merge(
                    new TopicPartition(r.topic(), r.partition()),
                    new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the loop (from any thread); it finishes its batch, then closes its clients and leaves the group. */
    @Override
    public void close() {
        running.set(false);
        if (looping.get()) {
            consumer.wakeup();
        } else {
            consumer.close();
            producer.close(Duration.ZERO);
        }
    }
}
