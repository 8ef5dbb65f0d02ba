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
 * The fusion LLM instance answering a request is killed mid-answer; a new instance redoes it, and the client
 * still receives every token exactly once, in order (the gateway drops re-sent chunks by sequence).
 */
class CrashRedoEndToEndTest {
    @TempDir
    static Path dir;
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = StackFixture.start(dir, List.of(), 1);
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
        StreamClient.Answer a = StreamClient.ask(stack.gatewayPorts().get(0),
                StreamClient.request("tell me a long story", null, maxTokens).toString(), m -> {
                    if (m.path("index").asInt() == 3 && killed.compareAndSet(false, true)) {
                        stack.fusionInstances().get(0).kill();
                        try {
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
}
