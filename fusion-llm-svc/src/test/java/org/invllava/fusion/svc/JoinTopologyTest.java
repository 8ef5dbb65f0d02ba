package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.invllava.observability.Metrics;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TensorDType;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.Topics;
import org.invllava.schemas.VisualFeatures;
import org.invllava.schemas.WorkItem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The join's pairing, placement and failure paths, on Kafka Streams' TopologyTestDriver (wall clock advanced by hand). */
class JoinTopologyTest {
    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final ModelTopics TOPICS = ModelTopics.of(ModelTopics.PRIMARY);
    private static final AvroCodec<PromptRequest> PROMPTS = AvroCodec.of(PromptRequest.class);
    private static final AvroCodec<VisualFeatures> FEATURES = AvroCodec.of(VisualFeatures.class);
    private static final AvroCodec<WorkItem> WORK = AvroCodec.of(WorkItem.class);
    private static final AvroCodec<TokenChunk> CHUNKS = AvroCodec.of(TokenChunk.class);

    @TempDir
    java.nio.file.Path state;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> prompts;
    private TestInputTopic<String, byte[]> features;
    private TestOutputTopic<byte[], byte[]> work;
    private TestOutputTopic<byte[], byte[]> tokens;
    private TestOutputTopic<byte[], byte[]> dead;
    private final Metrics metrics = new Metrics();

    /** {@code partitions} 2: the driver delivers every record on partition 0, so keys at home on 1 take the repartition hop. */
    void start(int partitions) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "join-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(JoinTopology.build(WINDOW, TOPICS, () -> partitions, metrics), p);
        prompts = driver.createInputTopic(TOPICS.prompts(), new StringSerializer(), new ByteArraySerializer());
        features = driver.createInputTopic(TOPICS.features(), new StringSerializer(), new ByteArraySerializer());
        work = driver.createOutputTopic(TOPICS.work(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        tokens = driver.createOutputTopic(Topics.TOKENS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dead = driver.createOutputTopic(Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @BeforeEach
    void startOnOnePartition() {
        start(1);
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void halvesArePairedWhicheverComesFirstAndRepeatsAreDropped() {
        prompts.pipeInput("a", PROMPTS.encode(prompt("a", true, Long.MAX_VALUE)));
        features.pipeInput("a", FEATURES.encode(features("a")));
        features.pipeInput("b", FEATURES.encode(features("b")));
        prompts.pipeInput("b", PROMPTS.encode(prompt("b", true, Long.MAX_VALUE)));
        prompts.pipeInput("a", PROMPTS.encode(prompt("a", true, Long.MAX_VALUE))); // at-least-once repeats
        features.pipeInput("b", FEATURES.encode(features("b")));
        List<WorkItem> out = work.readValuesToList().stream().map(WORK::decode).toList();
        assertEquals(
                List.of("a", "b"),
                out.stream().map(w -> w.getPrompt().getRequestId()).toList());
        assertEquals(
                List.of("a", "b"),
                out.stream().map(w -> w.getFeatures().getRequestId()).toList());
        driver.advanceWallClockTime(WINDOW.plusSeconds(2));
        assertTrue(tokens.isEmpty(), "paired requests never expire");
    }

    @Test
    void aTextOnlyPromptIsWorkAtOnce() {
        prompts.pipeInput("t", PROMPTS.encode(prompt("t", false, Long.MAX_VALUE)));
        WorkItem w = WORK.decode(work.readValue());
        assertNull(w.getFeatures());
    }

    @Test
    void aLonelyHalfEndsItsRequestAfterTheWindowAndItsLateOtherHalfIsDropped() {
        prompts.pipeInput("p", PROMPTS.encode(prompt("p", true, Long.MAX_VALUE)));
        features.pipeInput("f", FEATURES.encode(features("f")));
        driver.advanceWallClockTime(WINDOW.minusSeconds(2));
        assertTrue(tokens.isEmpty(), "nothing before the window closes");
        driver.advanceWallClockTime(Duration.ofSeconds(4));
        List<TokenChunk> out =
                tokens.readValuesToList().stream().map(CHUNKS::decode).toList();
        assertEquals(2, out.size());
        TokenChunk p = out.stream()
                .filter(c -> c.getRequestId().equals("p"))
                .findFirst()
                .orElseThrow();
        assertError(p, ErrorCode.DEADLINE_EXCEEDED.code(), "features did not arrive");
        assertEquals("reply-p", p.getReplyTo());
        TokenChunk f = out.stream()
                .filter(c -> c.getRequestId().equals("f"))
                .findFirst()
                .orElseThrow();
        assertError(f, ErrorCode.DEADLINE_EXCEEDED.code(), "prompt");
        assertEquals(
                2.0,
                metrics.scrape()
                        .lines()
                        .filter(l -> l.startsWith("fusion_join_expired_total"))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                        .sum());
        features.pipeInput("p", FEATURES.encode(features("p")));
        assertTrue(work.isEmpty(), "a half after its request ended is dropped");
    }

    @Test
    void aPromptExpiresAtItsDeadlineWhenThatIsSooner() {
        prompts.pipeInput("d", PROMPTS.encode(prompt("d", true, System.currentTimeMillis() + 3_000)));
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertError(CHUNKS.decode(tokens.readValue()), ErrorCode.DEADLINE_EXCEEDED.code(), "features did not arrive");
    }

    @Test
    void unreadableRecordsAreDeadLetteredAndEndTheirRequest() {
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        prompts.pipeInput("u", garbage);
        features.pipeInput("u", FEATURES.encode(features("u")));
        prompts.pipeInput("v", PROMPTS.encode(prompt("v", true, Long.MAX_VALUE)));
        features.pipeInput("v", garbage);
        prompts.pipeInput((String) null, PROMPTS.encode(prompt("nokey", false, Long.MAX_VALUE)));
        assertEquals(3, dead.readValuesToList().size(), "two unreadable records and one without a key");
        TokenChunk u = CHUNKS.decode(tokens.readValue());
        assertError(u, ErrorCode.INVALID_REQUEST.code(), "prompt record could not be read");
        assertTrue(tokens.isEmpty());
        WorkItem v = WORK.decode(work.readValue());
        assertEquals(
                ErrorCode.INTERNAL.code(),
                v.getFeatures().getError().getCode(),
                "the prompt's reply address gets the error");
        assertTrue(work.isEmpty(), "the features of the unreadable prompt are dropped");
    }

    @Test
    void recordsOffTheirHomePartitionArePairedThroughTheRepartitionTopic() {
        driver.close();
        start(2);
        String home0 = id(2, 0);
        String home1 = id(2, 1);
        for (String id : List.of(home0, home1)) {
            prompts.pipeInput(id, PROMPTS.encode(prompt(id, true, Long.MAX_VALUE)));
            features.pipeInput(id, FEATURES.encode(features(id)));
        }
        assertEquals(
                List.of(home0, home1),
                work.readValuesToList().stream()
                        .map(b -> WORK.decode(b).getPrompt().getRequestId())
                        .toList());
        assertTrue(
                driver.producedTopicNames().contains("join-test-prompts-placed-repartition"),
                "" + driver.producedTopicNames());
    }

    private static String id(int partitions, int home) {
        for (int i = 0; ; i++) {
            if (Placement.home("req-" + i, partitions) == home) {
                return "req-" + i;
            }
        }
    }

    private static void assertError(TokenChunk c, String code, String says) {
        assertEquals(FinishReason.ERROR, c.getFinishReason());
        assertEquals(0, c.getSequence());
        assertEquals(code, c.getError().getCode());
        assertTrue(c.getError().getMessage().contains(says), c.getError().getMessage());
    }

    private static PromptRequest prompt(String id, boolean image, long deadline) {
        return PromptRequest.newBuilder()
                .setRequestId(id)
                .setQuestion("q")
                .setHasImage(image)
                .setSampling(SamplingParameters.newBuilder().setMaxNewTokens(4).build())
                .setDeadlineEpochMs(deadline)
                .setReplyTo("reply-" + id)
                .setCreatedAtEpochMs(0)
                .build();
    }

    private static VisualFeatures features(String id) {
        return VisualFeatures.newBuilder()
                .setRequestId(id)
                .setEncoderId("e")
                .setImageSha256("sha-" + id)
                .setDtype(TensorDType.F32)
                .setShape(List.of(1, 1))
                .setData(ByteBuffer.wrap(new byte[4]))
                .build();
    }
}
