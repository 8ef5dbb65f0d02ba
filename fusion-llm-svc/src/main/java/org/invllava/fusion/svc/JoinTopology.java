package org.invllava.fusion.svc;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.invllava.kafka.AvroSerde;
import org.invllava.schemas.DeadLetter;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.Topics;
import org.invllava.schemas.VisualFeatures;
import org.invllava.schemas.WorkItem;

/**
 * prompts ⋈ features by request id within {@code joinWindow} → {@code vlm.work}; text-only prompts skip the
 * join; records that are not valid Avro go to the dead-letter topic. Both inputs are keyed by request id and
 * have the same partition count, so the join is co-partitioned.
 */
public final class JoinTopology {
    private JoinTopology() {
    }

    public static Topology build(Duration joinWindow, ModelTopics topics) {
        AvroSerde<PromptRequest> prompts = AvroSerde.of(PromptRequest.class);
        AvroSerde<VisualFeatures> features = AvroSerde.of(VisualFeatures.class);
        AvroSerde<WorkItem> work = AvroSerde.of(WorkItem.class);
        AvroSerde<DeadLetter> dead = AvroSerde.of(DeadLetter.class);
        StreamsBuilder builder = new StreamsBuilder();

        KStream<String, Decoded<PromptRequest>> promptIn = builder
                .stream(topics.prompts(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .processValues(() -> new DecodeProcessor<>(prompts.codec()));
        KStream<String, Decoded<VisualFeatures>> featureIn = builder
                .stream(topics.features(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .processValues(() -> new DecodeProcessor<>(features.codec()));
        promptIn.filter((k, v) -> !v.ok()).mapValues(Decoded::poison).to(Topics.DEAD_LETTER, Produced.with(Serdes.String(), dead));
        featureIn.filter((k, v) -> !v.ok()).mapValues(Decoded::poison).to(Topics.DEAD_LETTER, Produced.with(Serdes.String(), dead));

        KStream<String, PromptRequest> valid = promptIn.filter((k, v) -> v.ok()).mapValues(Decoded::value);
        KStream<String, WorkItem> textOnly = valid.filter((k, p) -> !p.getHasImage())
                .mapValues(p -> new WorkItem(p, null));
        KStream<String, WorkItem> withImage = valid.filter((k, p) -> p.getHasImage())
                .join(featureIn.filter((k, v) -> v.ok()).mapValues(Decoded::value), WorkItem::new,
                        JoinWindows.ofTimeDifferenceWithNoGrace(joinWindow),
                        StreamJoined.with(Serdes.String(), prompts, features).withStoreName("prompt-features-join"));
        textOnly.merge(withImage).to(topics.work(), Produced.with(Serdes.String(), work));
        return builder.build();
    }
}
