package org.invllava.fusion.svc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.invllava.kafka.Sends;
import org.invllava.observability.Tracing;
import org.invllava.schemas.AvroCodec;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.TokenLogprob;
import org.invllava.schemas.Topics;
import org.invllava.schemas.Usage;

/**
 * Publishes one request's chunks to {@code vlm.tokens}, numbered from 0 without gaps (from where an earlier owner stopped, for a request taken over), keyed by request id
 * (so they stay in order on one partition). {@link #finish} writes the last chunk and waits for every ack.
 */
final class ChunkWriter {
    private static final AvroCodec<TokenChunk> CODEC = AvroCodec.of(TokenChunk.class);

    private final Producer<byte[], byte[]> producer;
    private final String requestId;
    private final String replyTo;
    private final Tracing.Stage stage;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    private int sequence;

    /**
     * {@code stage}: the request's generation span, whose context every chunk carries (W3C {@code traceparent}); {@code firstSequence}:
     * the chunks an earlier owner already wrote (0 for a new request).
     */
    ChunkWriter(
            Producer<byte[], byte[]> producer,
            String requestId,
            String replyTo,
            Tracing.Stage stage,
            int firstSequence) {
        this.sequence = firstSequence;
        this.producer = producer;
        this.requestId = requestId;
        this.replyTo = replyTo;
        this.stage = stage;
    }

    /** A token of choice {@code choice}, with its log probabilities when asked for (else null). */
    void token(int choice, int tokenId, String text, TokenLogprob logprob) {
        send(chunk().setChoice(choice)
                .setText(text)
                .setTokenIds(List.of(tokenId))
                .setLogprobs(logprob == null ? null : List.of(logprob))
                .build());
    }

    /** The prompt echoed, first: its text and, when asked for, its tokens' log probabilities; no token ids. */
    void echo(String text, List<TokenLogprob> logprobs) {
        send(chunk().setEcho(true)
                .setText(text)
                .setTokenIds(List.of())
                .setLogprobs(logprobs)
                .build());
    }

    /** With several choices: {@code choice} ended, for {@code reason}. */
    void choiceEnd(int choice, FinishReason reason) {
        send(chunk().setChoice(choice)
                .setText("")
                .setTokenIds(List.of())
                .setChoiceFinishReason(reason)
                .build());
    }

    /** The last chunk; returns once Kafka has acknowledged every chunk of the request. */
    void finish(FinishReason reason, Usage usage, ErrorInfo error) {
        send(chunk().setText("")
                .setTokenIds(List.of())
                .setFinishReason(reason)
                .setUsage(usage)
                .setError(error)
                .build());
        Sends.awaitAll(pending, "chunks of " + requestId);
    }

    String requestId() {
        return requestId;
    }

    int sent() {
        return sequence;
    }

    Tracing.Stage stage() {
        return stage;
    }

    private TokenChunk.Builder chunk() {
        return TokenChunk.newBuilder()
                .setRequestId(requestId)
                .setReplyTo(replyTo)
                .setSequence(sequence++)
                .setFinishReason(null)
                .setUsage(null)
                .setError(null)
                .setChoice(0)
                .setLogprobs(null)
                .setEcho(false)
                .setChoiceFinishReason(null);
    }

    private void send(TokenChunk c) {
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(Topics.TOKENS, requestId.getBytes(StandardCharsets.UTF_8), CODEC.encode(c));
        stage.inject(record.headers()); // its context, without a publish span per chunk (they would drown the trace)
        pending.add(producer.send(record));
    }
}
