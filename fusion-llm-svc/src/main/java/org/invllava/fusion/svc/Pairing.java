package org.invllava.fusion.svc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.invllava.observability.Metrics;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.WorkItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pairs each request's prompt with its image's features, whichever comes first, into a {@link WorkItem}; a text-only
 * prompt is work at once. Nothing is lost silently: a half whose other half has not come within the window (a
 * prompt: or by its deadline, if sooner) ends its request with a {@code deadline_exceeded} chunk that says which half
 * is missing, and a prompt that cannot be read ends it with {@code invalid_request}. Once paired or ended, a request's
 * id is remembered for the window, so a repeated half (at-least-once producers) is dropped instead of answered twice
 * or failed. The state lives in {@link #STORE} (changelogged, so a restarted instance keeps what was waiting); a
 * wall-clock punctuation every second expires it, so a quiet partition still ends its requests on time.
 */
final class Pairing implements Processor<String, Arrival, String, Paired> {
    private static final Logger LOG = LoggerFactory.getLogger(Pairing.class);
    static final String STORE = "pending-halves";
    static final Duration SWEEP = Duration.ofSeconds(1);

    private final Duration window;
    private final Metrics.Counter missingFeatures;
    private final Metrics.Counter missingPrompt;
    private final Metrics.Counter unreadable;
    private ProcessorContext<String, Paired> context;
    private KeyValueStore<Bytes, byte[]> store;

    Pairing(Duration window, Metrics metrics) {
        this.window = window;
        String expired = "fusion_join_expired_total";
        String help = "Requests ended because one half never came within the join window (missing: which one)";
        this.missingFeatures = metrics.counter(expired, help, "missing", "features");
        this.missingPrompt = metrics.counter(expired, help, "missing", "prompt");
        this.unreadable = metrics.counter(
                "fusion_join_unreadable_prompts_total",
                "Prompt records keyed by a request id whose value could not be read (each ended with an error chunk)");
    }

    @Override
    public void init(ProcessorContext<String, Paired> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        context.schedule(SWEEP, PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<String, Arrival> record) {
        String id = record.key();
        long now = System.currentTimeMillis();
        if (record.value() instanceof Arrival.Prompt p && !p.value().getHasImage()) {
            context.forward(record.withValue(new Paired.Work(new WorkItem(p.value(), null)))
                    .withTimestamp(now));
            return;
        }
        PendingHalf held = get(id);
        if (held != null && held.kind() == PendingHalf.Kind.DONE) {
            LOG.info("request {}: a repeated half dropped (already paired or ended)", id);
            return;
        }
        Arrival a = record.value();
        long windowEnd = now + window.toMillis();
        if (a instanceof Arrival.Prompt p) {
            pairOrHold(
                    record,
                    held,
                    PendingHalf.Kind.FEATURES,
                    now,
                    () -> new WorkItem(p.value(), held.featuresValue()),
                    () -> PendingHalf.prompt(
                            p.value(), now, Math.min(windowEnd, p.value().getDeadlineEpochMs())));
        } else if (a instanceof Arrival.Features f) {
            pairOrHold(
                    record,
                    held,
                    PendingHalf.Kind.PROMPT,
                    now,
                    () -> new WorkItem(held.promptValue(), f.value()),
                    () -> PendingHalf.features(f.value(), now, windowEnd));
        } else if (a instanceof Arrival.UnreadablePrompt u) {
            unreadable.inc();
            end(
                    record.withValue(Paired.failed(
                            id,
                            "",
                            ErrorCode.INVALID_REQUEST.code(),
                            "the prompt record could not be read: " + u.reason())),
                    now);
        }
    }

    /**
     * Emits the pair when {@code held} is the other half (with the headers of the record completing it: its trace
     * context), else keeps this half (the first of repeated halves), encoded for the store only then.
     */
    private void pairOrHold(
            Record<String, Arrival> record,
            PendingHalf held,
            PendingHalf.Kind other,
            long now,
            Supplier<WorkItem> pair,
            Supplier<PendingHalf> mine) {
        if (held != null && held.kind() == other) {
            end(record.withValue(new Paired.Work(pair.get())), now);
        } else if (held == null) {
            put(record.key(), mine.get());
        }
    }

    /** Every second: halves past their due time (the window, or a prompt's deadline if sooner) end their request. */
    private void expire(long now) {
        List<KeyValue<String, PendingHalf>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            all.forEachRemaining(kv -> {
                if (now >= PendingHalf.dueEpochMs(kv.value)) {
                    String id = new String(kv.key.get(), StandardCharsets.UTF_8);
                    due.add(KeyValue.pair(id, PendingHalf.fromBytes(kv.value)));
                }
            });
        }
        for (KeyValue<String, PendingHalf> kv : due) {
            String id = kv.key;
            PendingHalf h = kv.value;
            if (h.kind() == PendingHalf.Kind.DONE) {
                store.delete(key(id));
            } else if (h.kind() == PendingHalf.Kind.PROMPT) {
                missingFeatures.inc();
                end(
                        new Record<>(
                                id,
                                Paired.failed(
                                        id,
                                        h.promptValue().getReplyTo(),
                                        ErrorCode.DEADLINE_EXCEEDED.code(),
                                        "the image's features did not arrive within " + waited(h, now)
                                                + " s: was the image sent to "
                                                + "the model's images topic, keyed by the same request id?"),
                                now),
                        now);
            } else {
                missingPrompt.inc();
                end(
                        new Record<>(
                                id,
                                Paired.failed(
                                        id,
                                        "",
                                        ErrorCode.DEADLINE_EXCEEDED.code(),
                                        "the prompt for image "
                                                + h.featuresValue().getImageSha256() + " did not arrive within "
                                                + waited(h, now) + " s: was it "
                                                + "sent to the model's prompts topic, keyed by the same request id?"),
                                now),
                        now);
            }
        }
    }

    private static long waited(PendingHalf h, long now) {
        return Math.max(0, now - h.atEpochMs()) / 1000;
    }

    /** Emits {@code out} (at {@code now}) and remembers its request as done for the window. */
    private void end(Record<String, ? extends Paired> out, long now) {
        put(out.key(), PendingHalf.done(now, now + window.toMillis()));
        context.forward(out.withTimestamp(now));
    }

    private PendingHalf get(String id) {
        return PendingHalf.fromBytes(store.get(key(id)));
    }

    private void put(String id, PendingHalf h) {
        store.put(key(id), h.toBytes());
    }

    private static Bytes key(String id) {
        return Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
    }
}
