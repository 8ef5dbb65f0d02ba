package org.invllava.gateway.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.invllava.kafka.KafkaSettings;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;

/**
 * What a fusion LLM does on the wire, done by a gateway test against the real broker: it reads the prompts the
 * gateway publishes and writes token chunks for them, so the gateway's side of a fault can be set up exactly.
 */
final class FusionSide implements AutoCloseable {
    private final KafkaSettings kafka;
    private final KafkaConsumer<byte[], byte[]> prompts;

    /** Follows the prompts topic from its end: only prompts published from now on are seen. */
    FusionSide(KafkaSettings kafka) {
        this.kafka = kafka;
        this.prompts = fromTheEnd(new KafkaConsumer<>(kafka.consumer(null)), Topics.PROMPTS);
    }

    /** The first record {@code c} reads that decodes as {@code type} and is {@code wanted}, within 20 s. */
    static <T extends SpecificRecord> T first(
            KafkaConsumer<byte[], byte[]> c, Class<T> type, Predicate<T> wanted, String what) {
        AvroCodec<T> codec = AvroCodec.of(type);
        long until = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < until) {
            for (var r : c.poll(Duration.ofMillis(100))) {
                T m = codec.decode(r.value());
                if (wanted.test(m)) {
                    return m;
                }
            }
        }
        throw new AssertionError("no " + what + " within 20 s");
    }

    /** {@code consumer} assigned every partition of {@code topic} at its end, resolved now, before anything is sent. */
    static KafkaConsumer<byte[], byte[]> fromTheEnd(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        return consumer;
    }

    /** The next prompt whose question is {@code question}, within 20 s. */
    PromptRequest next(String question) {
        return first(prompts, PromptRequest.class, p -> p.getQuestion().equals(question), "prompt '" + question + "'");
    }

    /** Writes chunks {@code from}..{@code to-1} of {@code id} and, unless null, its final chunk (sequence {@code to}). */
    void answer(String id, int from, int to, FinishReason end) throws Exception {
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producer())) {
            for (int i = from; i <= to; i++) {
                FinishReason reason = i == to ? end : null;
                if (i == to && end == null) {
                    break;
                }
                TokenChunk c = TokenChunk.newBuilder()
                        .setRequestId(id)
                        .setReplyTo("test")
                        .setSequence(i)
                        .setText(reason == null ? "w" + i + " " : "")
                        .setTokenIds(reason == null ? List.of(7) : List.of())
                        .setFinishReason(reason)
                        .setUsage(null)
                        .setError(null)
                        .build();
                p.send(new ProducerRecord<>(Topics.TOKENS, id.getBytes(StandardCharsets.UTF_8), codec.encode(c)))
                        .get();
            }
        }
    }

    @Override
    public void close() {
        prompts.close();
    }
}
