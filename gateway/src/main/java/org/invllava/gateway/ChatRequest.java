package org.invllava.gateway;

import java.time.Duration;
import java.util.List;
import org.invllava.schemas.ConversationTurn;
import org.invllava.schemas.SamplingParameters;

/**
 * A validated request, whichever API it came through: the served model it is for, the conversation (earlier turns,
 * then the question), the image (checked bytes, or null), how to sample, and how long the client will wait.
 *
 * @param system replaces the template's system text; null keeps it
 */
public record ChatRequest(String model, String system, List<ConversationTurn> history, String question, byte[] image,
                          SamplingParameters sampling, Duration deadline) {
    public ChatRequest {
        history = List.copyOf(history);
    }

    public ChatRequest withImage(byte[] bytes) {
        return new ChatRequest(model, system, history, question, bytes, sampling, deadline);
    }
}
