package org.invllava.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.invllava.schemas.ConversationTurn;
import org.invllava.schemas.ImageRequest;
import org.invllava.schemas.OutputOptions;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TurnRole;

/** The Kafka records a validated chat request becomes: its prompt and, with an image, its image; keyed by request id. */
final class PromptRecords {
    private PromptRecords() {}

    /** The image record of request {@code id}, created at {@code now}, to be answered by {@code deadline} (epoch ms). */
    static ImageRequest image(String id, byte[] image, long now, long deadline) {
        return ImageRequest.newBuilder()
                .setRequestId(id)
                .setImage(ByteBuffer.wrap(image))
                .setContentType(null)
                .setDeadlineEpochMs(deadline)
                .setCreatedAtEpochMs(now)
                .build();
    }

    /**
     * The prompt record of request {@code id}: its chunks go to gateway {@code replyTo}; {@code owner} (a digest of
     * the caller's key, null without keys) may resume or cancel it.
     */
    static PromptRequest prompt(ChatRequest request, String id, long now, long deadline, String replyTo, String owner) {
        return PromptRequest.newBuilder()
                .setRequestId(id)
                .setQuestion(request.question())
                .setHasImage(request.image() != null)
                .setSystem(request.system())
                .setHistory(history(request.history()))
                .setSampling(sampling(request.sampling()))
                .setDeadlineEpochMs(deadline)
                .setReplyTo(replyTo)
                .setCreatedAtEpochMs(now)
                .setOwner(owner)
                .setRaw(request.output().raw())
                .setPromptTokenIds(request.output().tokenIds())
                .setOutput(output(request.output()))
                .build();
    }

    /** The record key: the request id, so every record of one request lands on the same partition number. */
    static byte[] key(String requestId) {
        return requestId.getBytes(StandardCharsets.UTF_8);
    }

    private static List<ConversationTurn> history(List<ChatRequest.Turn> turns) {
        return turns.stream()
                .map(t -> new ConversationTurn(
                        t.role() == ChatRequest.Role.USER ? TurnRole.USER : TurnRole.ASSISTANT, t.text(), t.image()))
                .toList();
    }

    /** The output options as the prompt record carries them; null when there are none beyond one text choice. */
    private static OutputOptions output(ChatRequest.Output o) {
        if (o.logprobs() < 0 && !o.echo() && o.n() == 1 && o.jsonSchema() == null) {
            return null;
        }
        return OutputOptions.newBuilder()
                .setLogprobs(o.logprobs())
                .setEcho(o.echo())
                .setChoices(o.n())
                .setJsonSchema(o.jsonSchema())
                .build();
    }

    private static SamplingParameters sampling(ChatRequest.Sampling s) {
        return SamplingParameters.newBuilder()
                .setMaxNewTokens(s.maxTokens())
                .setTemperature(s.temperature())
                .setTopP(s.topP())
                .setSeed(s.seed())
                .setStop(s.stop())
                .build();
    }
}
