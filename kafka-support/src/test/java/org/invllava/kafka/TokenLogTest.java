package org.invllava.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.invllava.kafka.local.EmbeddedKafka;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading back an answer's chunks from a real broker: in order, once each, up to a gap or the final chunk. */
class TokenLogTest {
    static EmbeddedKafka kafka;
    static KafkaSettings settings;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(null, Topics.MAX_MESSAGE_BYTES);
        settings = KafkaSettings.of(kafka.bootstrapServers(), "token-log-test");
        TopicSetup.ensureDefaults(settings, (short) 1);
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    static TokenChunk chunk(String id, int sequence, boolean last) {
        return TokenChunk.newBuilder()
                .setRequestId(id)
                .setReplyTo("g")
                .setSequence(sequence)
                .setText("t" + sequence)
                .setTokenIds(last ? List.of() : List.of(100 + sequence))
                .setFinishReason(last ? FinishReason.STOP : null)
                .setUsage(null)
                .setError(null)
                .build();
    }

    @Test
    void readsEachRequestsChunksOnceInOrder() {
        String ended = RequestIds.next();
        String redone = RequestIds.next();
        String gap = RequestIds.next();
        String none = RequestIds.next();
        AvroCodec<TokenChunk> codec = AvroCodec.of(TokenChunk.class);
        List<TokenChunk> written = List.of(
                chunk(ended, 0, false),
                chunk(redone, 0, false),
                chunk(ended, 1, false),
                chunk(redone, 1, false),
                chunk(redone, 0, false),
                chunk(redone, 1, false),
                chunk(redone, 2, false),
                chunk(ended, 2, true),
                chunk(gap, 0, false),
                chunk(gap, 2, false));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer())) {
            for (TokenChunk c : written) {
                producer.send(new ProducerRecord<>(
                        Topics.TOKENS, c.getRequestId().toString().getBytes(StandardCharsets.UTF_8), codec.encode(c)));
            }
        }
        Map<String, Long> created = Map.of(
                ended,
                RequestIds.createdAt(ended).orElseThrow(),
                redone,
                RequestIds.createdAt(redone).orElseThrow(),
                gap,
                RequestIds.createdAt(gap).orElseThrow(),
                none,
                RequestIds.createdAt(none).orElseThrow());
        try (TokenLog log = new TokenLog(settings)) {
            Map<String, List<TokenChunk>> read = log.read(created);
            assertEquals(List.of(0, 1, 2), sequences(read.get(ended)));
            assertEquals(FinishReason.STOP, read.get(ended).get(2).getFinishReason());
            assertEquals(List.of(0, 1, 2), sequences(read.get(redone)), "a redo's repeats appear once");
            assertEquals(List.of(0), sequences(read.get(gap)), "nothing after a gap");
            assertEquals(List.of(), read.get(none));
            assertEquals(
                    List.of(),
                    log.read(Map.of(ended, System.currentTimeMillis() + 3_600_000))
                            .get(ended),
                    "nothing written after the time asked for");
        }
    }

    static List<Integer> sequences(List<TokenChunk> chunks) {
        return chunks.stream().map(TokenChunk::getSequence).toList();
    }
}
