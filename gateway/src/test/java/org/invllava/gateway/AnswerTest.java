package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.invllava.observability.Metrics;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;
import org.junit.jupiter.api.Test;

/** How an answer ends for its client: truthfully, and at once when the client already has all of it. */
class AnswerTest {
    /** What a sink was told, in order: {@code token:<index>}, {@code done:<reason>}, {@code error:<code>}. */
    private static final class Recorder implements AnswerSink {
        final List<String> events = new ArrayList<>();

        @Override
        public void token(int index, String text, List<Integer> tokenIds) {
            events.add("token:" + index);
        }

        @Override
        public void done(String finishReason, TokenUsage usage) {
            events.add("done:" + finishReason);
        }

        @Override
        public void error(String code, String message) {
            events.add("error:" + code);
        }
    }

    private static TokenChunk chunk(int sequence, FinishReason reason) {
        return TokenChunk.newBuilder()
                .setRequestId("r")
                .setReplyTo("gw")
                .setSequence(sequence)
                .setText("t")
                .setTokenIds(reason == null ? List.of(7) : List.of())
                .setFinishReason(reason)
                .setUsage(null)
                .setError(null)
                .build();
    }

    private static Answer answer(Recorder sink, int first) {
        return new Answer("r", "inverse-llava", sink, new GatewayMetrics(new Metrics()), code -> {}, first);
    }

    @Test
    void aCancelItsClientDidNotAskForIsAnErrorNeverAFinishedAnswer() {
        Recorder sink = new Recorder();
        Answer a = answer(sink, 0);
        a.deliver(chunk(0, null));
        assertTrue(a.deliver(chunk(1, FinishReason.CANCELLED)));
        assertEquals(List.of("token:0", "error:unavailable"), sink.events);
    }

    @Test
    void aCancelItsClientAskedForEndsAsCancelled() {
        Recorder sink = new Recorder();
        Answer a = answer(sink, 0);
        a.deliver(chunk(0, null));
        a.cancelAsked();
        assertTrue(a.deliver(chunk(1, FinishReason.CANCELLED)));
        assertEquals(List.of("token:0", "done:cancelled"), sink.events);
    }

    /** A client resuming at or past the end (it has chunks 0..400 of a 3-token answer) gets the final event only. */
    @Test
    void resumingAtOrPastTheEndEndsAtOnce() {
        for (int first : List.of(3, 4, 401, Integer.MAX_VALUE)) {
            Recorder sink = new Recorder();
            Answer a = answer(sink, first);
            for (int i = 0; i < 3; i++) {
                assertEquals(false, a.deliver(chunk(i, null)));
            }
            assertTrue(a.deliver(chunk(3, FinishReason.LENGTH)), "first " + first);
            assertEquals(List.of("done:length"), sink.events, "first " + first);
        }
    }

    /** Below the end, a resumed answer delivers exactly what the client lacks, once. */
    @Test
    void resumingBeforeTheEndDeliversTheRestOnce() {
        Recorder sink = new Recorder();
        Answer a = answer(sink, 2);
        for (int i = 0; i < 3; i++) {
            a.deliver(chunk(i, null));
            a.deliver(chunk(i, null));
        }
        a.deliver(chunk(3, FinishReason.STOP));
        a.deliver(chunk(3, FinishReason.STOP));
        assertEquals(List.of("token:2", "done:stop"), sink.events);
    }
}
