package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client ({@code clients/python}, librdkafka through confluent-kafka, with its default CRC32 partitioner)
 * against the stack's broker: 50 requests of a JSONL file answered by {@code answer_all} as a bulk job, each equal to
 * the model called in-process, and a streamed (interactive) {@code ask}. Runs Debian's {@code /usr/bin/python3} in a virtual environment
 * under {@code target/python-client} (its system packages plus fastavro from pip); skipped with a message when that
 * Python or its confluent-kafka is missing ({@code .ci/run} installs python3-confluent-kafka).
 */
class PythonClientTest {
    private static final Path CLIENT =
            Path.of("..", "clients", "python").toAbsolutePath().normalize();
    private static final int REQUESTS = 50;
    private static final int MAX_TOKENS = 6;

    @TempDir
    static Path dir;

    static LocalStack stack;
    static Path venvPython;

    @BeforeAll
    static void start() throws Exception {
        venvPython = pythonWithClientLibraries();
        stack = StackFixture.start(dir, List.of(), 1);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void fiftyRequestsOfAJsonlFileAreAnsweredAsTheModelAnswers() throws Exception {
        Path in = dir.resolve("requests.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        Map<String, GenerationResult> expected = new HashMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            String id = "py-" + i;
            String question = "question " + i + ": what colour is the shape?";
            byte[] image = i % 10 == 9 ? null : StackFixture.png(40 + i, 30 + i % 7, i);
            Map<String, Object> line = new HashMap<>(Map.of("id", id, "question", question, "max_tokens", MAX_TOKENS));
            if (image != null) {
                Files.write(dir.resolve(id + ".png"), image);
                line.put("image", id + ".png");
            }
            lines.add(json.writeValueAsString(line));
            expected.put(
                    id,
                    StackFixture.direct(
                            stack.model(), stack.model().chat().question(question, image != null), image, MAX_TOKENS));
        }
        Files.write(in, lines);
        Path out = dir.resolve("answers.jsonl");
        String printed = python(List.of(
                CLIENT.resolve("inverse_llava_kafka.py").toString(),
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--bulk",
                in.toString(),
                out.toString()));
        assertEquals(
                REQUESTS + " answers written",
                printed.strip().lines().reduce((a, b) -> b).orElse(""));
        List<String> answers = Files.readAllLines(out);
        assertEquals(REQUESTS, answers.size(), "one line per request");
        for (String a : answers) {
            JsonNode answer = json.readTree(a);
            GenerationResult want = expected.remove(answer.path("id").asText());
            assertEquals(false, want == null, "an answer for a request of the file, once: " + a);
            assertEquals(false, answer.has("error"), a);
            assertEquals(want.text(), answer.path("answer").asText());
            assertEquals(
                    Arrays.toString(want.tokenIds()),
                    answer.path("token_ids").toString().replace(",", ", "));
            assertEquals(
                    want.finishReason().name().toLowerCase(),
                    answer.path("finish_reason").asText());
        }
        assertEquals(REQUESTS, workRecords(Topics.WORK_BULK), "the job went through the bulk work topic");
    }

    /** Records written to {@code topic} so far (every partition). */
    private static long workRecords(String topic) throws Exception {
        try (Admin admin =
                Admin.create(KafkaSettings.of(stack.bootstrapServers(), "count").admin())) {
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .forEach(p -> ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(ask).all().get().values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
        }
    }

    @Test
    void askStreamsTheAnswerAndRaisesOnErrors() throws Exception {
        byte[] image = StackFixture.png(64, 48, 7);
        Path png = dir.resolve("ask.png");
        Files.write(png, image);
        GenerationResult want = StackFixture.direct(
                stack.model(), stack.model().chat().question("Describe it.", true), image, MAX_TOKENS);
        String script = String.join(
                "\n",
                "import json, sys",
                "sys.path.insert(0, sys.argv[1])",
                "from inverse_llava_kafka import Client, AnswerError",
                "c = Client(sys.argv[2])",
                "pieces = list(c.ask(open(sys.argv[3], 'rb').read(), 'Describe it.', max_tokens=" + MAX_TOKENS + "))",
                "try:",
                "    list(c.ask(b'not an image', 'Describe it.'))",
                "    code = None",
                "except AnswerError as e:",
                "    code = e.code",
                "c.close()",
                "print(json.dumps({'pieces': pieces, 'error': code}))");
        JsonNode r = new ObjectMapper()
                .readTree(python(List.of("-c", script, CLIENT.toString(), stack.bootstrapServers(), png.toString()))
                        .strip()
                        .lines()
                        .reduce((a, b) -> b)
                        .orElseThrow());
        StringBuilder text = new StringBuilder();
        r.path("pieces").forEach(p -> text.append(p.asText()));
        assertEquals(want.text(), text.toString());
        assertEquals(MAX_TOKENS, r.path("pieces").size(), "one piece per token");
        assertEquals("invalid_image", r.path("error").asText());
    }

    private static String python(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(venvPython.toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the Python client ran past 5 minutes: "
                    + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        output = p.getInputStream().readAllBytes();
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    /** target/python-client: a venv of Debian's Python with its packages (confluent-kafka) and fastavro. */
    private static Path pythonWithClientLibraries() throws IOException, InterruptedException {
        assumeTrue(
                Files.isExecutable(PythonVenvs.PYTHON)
                        && PythonVenvs.run(List.of(PythonVenvs.PYTHON.toString(), "-c", "import confluent_kafka")) == 0,
                "Debian's python3 or its python3-confluent-kafka is missing (.ci/run installs it as root): skipping the Python client test");
        return PythonVenvs.venv("python-client", true, List.of("fastavro"), List.of("fastavro"));
    }
}
