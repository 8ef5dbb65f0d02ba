package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The at-least-once rule: commit up to the lowest request still in flight, per partition, never backwards. */
class OffsetTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("vlm.work", 0);
    private static final TopicPartition P1 = new TopicPartition("vlm.work", 1);

    private final OffsetTracker offsets = new OffsetTracker();

    @Test
    void requestsFinishingOutOfOrderCommitOnlyUpToTheLowestUnfinished() {
        for (long o = 10; o < 14; o++) {
            offsets.started(P0, o);
        }
        assertEquals(Map.of(P0, 10L), committable(), "nothing finished: the first request is the resume point");
        commitAll();
        offsets.finished(P0, 12);
        offsets.finished(P0, 11);
        assertEquals(Map.of(), committable(), "10 is unfinished: a crash now must redo 10 (and 11, 12 again)");
        offsets.finished(P0, 10);
        assertEquals(Map.of(P0, 13L), committable(), "10-12 done, 13 still in flight");
        commitAll();
        offsets.finished(P0, 13);
        assertEquals(Map.of(P0, 14L), committable(), "all done: one past the last dispatched");
        commitAll();
        assertEquals(Map.of(), committable(), "an offset is offered once");
        assertEquals(0, offsets.inFlightCount());
    }

    @Test
    void partitionsAreIndependentAndTheInFlightCountSpansThem() {
        offsets.started(P0, 0);
        offsets.started(P1, 5);
        offsets.started(P1, 6);
        assertEquals(3, offsets.inFlightCount(), "what the scheduler pauses on");
        offsets.finished(P1, 5);
        offsets.finished(P1, 6);
        assertEquals(Map.of(P0, 0L, P1, 7L), committable());
        assertEquals(1, offsets.inFlightCount());
    }

    @Test
    void aRequestThatNeverFinishesHoldsItsPartitionBack() {
        offsets.started(P0, 0);
        offsets.started(P0, 1);
        offsets.finished(P0, 1);
        commitAll();
        for (long o = 2; o < 100; o++) {
            offsets.started(P0, o);
            offsets.finished(P0, o);
        }
        assertEquals(Map.of(), committable(), "offset 0 was never answered: nothing after it may be committed");
        assertEquals(
                1, offsets.inFlightCount(), "and it keeps a place in flight (why a write failure stops the instance)");
    }

    @Test
    void aRevokedPartitionIsForgottenAndCountsAgainFromItsNewOwnersOffsets() {
        offsets.started(P0, 3);
        offsets.started(P0, 4);
        offsets.finished(P0, 4);
        commitAll();
        offsets.revoked(List.of(P0));
        assertEquals(0, offsets.inFlightCount(), "its requests are the new owner's to redo");
        assertEquals(Map.of(), committable());
        offsets.finished(P0, 3); // a late answer of a request this instance no longer owns: no effect
        assertEquals(Map.of(), committable());
        offsets.started(P0, 3); // assigned back: starts from the committed offset again
        assertEquals(Map.of(P0, 3L), committable(), "the committed mark was forgotten with the partition");
    }

    @Test
    void committedOffsetsNeverGoBackwards() {
        offsets.started(P0, 0);
        offsets.finished(P0, 0);
        offsets.markCommitted(Map.of(P0, new OffsetAndMetadata(5)));
        assertTrue(committable().isEmpty(), "1 is behind the committed 5");
    }

    private Map<TopicPartition, Long> committable() {
        Map<TopicPartition, Long> out = new java.util.HashMap<>();
        offsets.committable().forEach((tp, o) -> out.put(tp, o.offset()));
        return out;
    }

    private void commitAll() {
        offsets.markCommitted(offsets.committable());
    }
}
