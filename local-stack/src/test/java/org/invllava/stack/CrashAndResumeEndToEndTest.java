package org.invllava.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a client lives through: the fusion LLM instance answering it is killed mid-answer (a new instance continues
 * the answer after its last chunk written); its WebSocket breaks (it resumes on another gateway replica). Either way
 * it receives every token exactly once, in order.
 */
class CrashAndResumeEndToEndTest {
    @TempDir
    static Path dir;

    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = StackFixture.start(dir, List.of(), 2);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void clientGetsTheWholeAnswerOnceAfterACrash() throws Exception {
        int maxTokens = 600;
        AtomicBoolean killed = new AtomicBoolean();
        StreamClient.Answer a = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("tell me a long story", null, maxTokens).toString(),
                m -> {
                    if (m.path("index").asInt() == 3 && killed.compareAndSet(false, true)) {
                        try {
                            stack.fusionInstances().get(0).kill(); // kill -9 of its process
                            stack.addFusionInstance();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
        assertTrue(killed.get(), "the answer ended before the kill");
        EndToEndTest.assertStreamed(a, StackFixture.direct(stack.model(), "tell me a long story", null, maxTokens));
        assertEquals(maxTokens, a.tokens().size());
    }

    @Test
    void aClientWhoseSocketClosedResumesOnAnotherGatewayExactlyOnce() throws Exception {
        int maxTokens = 80;
        String[] id = {null};
        StreamClient.Answer first = StreamClient.ask(
                stack.gatewayPorts().get(0),
                StreamClient.request("tell me a long story", null, maxTokens).toString(),
                (m, socket) -> {
                    if (m.path("type").asText().equals("accepted")) {
                        id[0] = m.get("id").asText();
                    }
                    if (m.path("index").asInt(-1) == 4) {
                        socket.sendClose(1000, "leaving for a while");
                    }
                });
        assertEquals(
                "accepted",
                first.messages().get(0).path("type").asText(),
                first.messages().toString());
        List<com.fasterxml.jackson.databind.JsonNode> had = first.tokens();
        int last = had.get(had.size() - 1).get("index").asInt();
        assertTrue(last >= 4 && last < maxTokens - 1, "left mid-answer, after token " + last);
        StreamClient.Answer rest = StreamClient.ask(
                stack.gatewayPorts().get(1), "{\"type\":\"resume\",\"id\":\"" + id[0] + "\",\"after\":" + last + "}");
        assertEquals("done", rest.last().path("type").asText(), rest.messages().toString());
        List<com.fasterxml.jackson.databind.JsonNode> more = rest.tokens();
        for (int i = 0; i < more.size(); i++) {
            assertEquals(last + 1 + i, more.get(i).get("index").asInt(), "each remaining token once, in order");
        }
        int[] expected = StackFixture.direct(stack.model(), "tell me a long story", null, maxTokens);
        int[] got = java.util.stream.IntStream.concat(
                        java.util.Arrays.stream(first.tokenIds()), java.util.Arrays.stream(rest.tokenIds()))
                .toArray();
        assertArrayEquals(expected, got);
        StreamClient.Answer unknown = StreamClient.ask(
                stack.gatewayPorts().get(1), "{\"type\":\"resume\",\"id\":\"" + java.util.UUID.randomUUID() + "\"}");
        assertEquals(
                "not_found",
                unknown.last().path("code").asText(),
                unknown.messages().toString());
    }
}
