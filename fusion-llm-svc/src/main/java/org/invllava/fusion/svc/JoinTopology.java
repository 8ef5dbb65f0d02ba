package org.invllava.fusion.svc;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.invllava.kafka.AvroSerde;
import org.invllava.observability.Metrics;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TensorDType;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.invllava.schemas.VisualFeatures;
import org.invllava.schemas.WorkItem;

/**
 * prompts + features, paired by request id ({@link Pairing}) → {@code vlm.work} (a bulk request's:
 * {@code vlm.work.bulk}); a request that cannot be paired
 * ends with an error chunk on {@code vlm.tokens}. Records not on their key's home partition (another client's
 * partitioner placed them) are moved there through a repartition topic first ({@link Placement}), so a request is
 * answered whatever partitioner its producer used. Records that are not valid Avro, or have no key, go to the
 * dead-letter topic; a keyed one also ends its request (an unreadable prompt at once, unreadable features through
 * its prompt's reply address).
 */
public final class JoinTopology {
    /** How long the pairing's changelog keeps a record past the join window (a restarted instance's replay, no more). */
    static final Duration CHANGELOG_EXTRA_RETENTION = Duration.ofMinutes(1);

    private JoinTopology() {}

    /**
     * {@code partitions}: the partition count of the prompts and features topics (the same for both), asked for when the
     * first record arrives.
     */
    public static Topology build(Duration joinWindow, ModelTopics topics, IntSupplier partitions, Metrics metrics) {
        AvroSerde<PromptRequest> prompts = AvroSerde.of(PromptRequest.class);
        AvroSerde<VisualFeatures> features = AvroSerde.of(VisualFeatures.class);
        AvroSerde<DeadLetter> dead = AvroSerde.of(DeadLetter.class);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(Pairing.STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingEnabled(changelog(joinWindow)));

        KStream<String, Decoded<PromptRequest>> promptIn = placed(builder, topics.prompts(), "prompts", partitions)
                .processValues(() -> new DecodeProcessor<>(prompts.codec()));
        KStream<String, Decoded<VisualFeatures>> featureIn = placed(builder, topics.features(), "features", partitions)
                .processValues(() -> new DecodeProcessor<>(features.codec()));
        promptIn.filter((k, v) -> !v.ok())
                .mapValues(Decoded::poison)
                .to(Topics.DEAD_LETTER, Produced.with(Serdes.String(), dead));
        featureIn
                .filter((k, v) -> !v.ok())
                .mapValues(Decoded::poison)
                .to(Topics.DEAD_LETTER, Produced.with(Serdes.String(), dead));

        KStream<String, Arrival> arrivals = promptIn.filter((k, v) -> k != null)
                .mapValues(JoinTopology::prompt)
                .merge(featureIn.filter((k, v) -> k != null).mapValues((k, v) -> features(k, v)));
        KStream<String, Paired> paired = arrivals.process(() -> new Pairing(joinWindow, metrics), Pairing.STORE);
        paired.filter((k, v) -> v instanceof Paired.Work)
                .mapValues(v -> ((Paired.Work) v).item())
                .to(
                        (id, work, context) -> work.getPrompt().getBulk() ? topics.bulkWork() : topics.work(),
                        Produced.with(Serdes.String(), AvroSerde.of(WorkItem.class)));
        paired.filter((k, v) -> v instanceof Paired.Failed)
                .mapValues(v -> ((Paired.Failed) v).chunk())
                .to(Topics.TOKENS, Produced.with(Serdes.String(), AvroSerde.of(TokenChunk.class)));
        return builder.build();
    }

    /** {@code topic}'s records, those off their home partition moved there through {@code <name>-placed}. */
    private static KStream<String, byte[]> placed(
            StreamsBuilder builder, String topic, String name, IntSupplier partitions) {
        KStream<String, Placement.Placed> in = builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .processValues(() -> new Placement(partitions));
        KStream<String, byte[]> home = in.filter((k, v) -> v.home()).mapValues(Placement.Placed::value);
        KStream<String, byte[]> moved = in.filterNot((k, v) -> v.home())
                .mapValues(Placement.Placed::value)
                .repartition(
                        Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(name + "-placed"));
        return home.merge(moved);
    }

    private static Arrival prompt(Decoded<PromptRequest> d) {
        return d.ok()
                ? new Arrival.Prompt(d.value())
                : new Arrival.UnreadablePrompt(d.poison().getReason());
    }

    /** Features, or for an unreadable record, features carrying the error (the prompt's reply address gets it). */
    private static Arrival features(String id, Decoded<VisualFeatures> d) {
        if (d.ok()) {
            return new Arrival.Features(d.value());
        }
        return new Arrival.Features(VisualFeatures.newBuilder()
                .setRequestId(id)
                .setEncoderId("")
                .setImageSha256("")
                .setDtype(TensorDType.F16)
                .setShape(List.of())
                .setData(ByteBuffer.allocate(0))
                .setError(new ErrorInfo(
                        ErrorCode.INTERNAL.code(),
                        "the image's features record could not be read: "
                                + d.poison().getReason()))
                .build());
    }

    /**
     * The pairing changelog: compacted, and deleted past the window plus {@link #CHANGELOG_EXTRA_RETENTION} (no half
     * waits longer), in segments of that age so that the deletion happens (feature tensors are not kept for days).
     */
    static Map<String, String> changelog(Duration joinWindow) {
        String retention =
                String.valueOf(joinWindow.plus(CHANGELOG_EXTRA_RETENTION).toMillis());
        return Map.of("cleanup.policy", "compact,delete", "retention.ms", retention, "segment.ms", retention);
    }
}
