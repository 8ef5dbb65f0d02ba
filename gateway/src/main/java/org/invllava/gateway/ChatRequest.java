package org.invllava.gateway;

import java.time.Duration;
import java.util.List;

/**
 * A validated request, whichever API it came through: the served model it is for, the conversation (earlier turns,
 * then the question), the image (checked bytes, or null), how to sample, and how long the client will wait. The
 * gateway's own types; {@link RequestDispatcher} writes them as the Avro records of {@code vlm.prompts}.
 *
 * @param system replaces the template's system text; null keeps it
 */
public record ChatRequest(
        String model,
        String system,
        List<Turn> history,
        String question,
        byte[] image,
        Sampling sampling,
        Duration deadline,
        Output output) {
    public ChatRequest {
        history = List.copyOf(history);
        output = output == null ? Output.TEXT : output;
    }

    /** A chat request with one text choice. */
    public ChatRequest(
            String model,
            String system,
            List<Turn> history,
            String question,
            byte[] image,
            Sampling sampling,
            Duration deadline) {
        this(model, system, history, question, image, sampling, deadline, Output.TEXT);
    }

    public ChatRequest withImage(byte[] bytes) {
        return new ChatRequest(model, system, history, question, bytes, sampling, deadline, output);
    }

    public ChatRequest withOutput(Output other) {
        return new ChatRequest(model, system, history, question, image, sampling, deadline, other);
    }

    /**
     * What else to return and how to constrain it: {@code logprobs} −1 (none) or 0..20 alternatives, the prompt
     * echoed, {@code n} choices, a JSON schema (JSON text, null: free text). A completion ({@code raw}) sends its
     * prompt as is, as text (the question) or as {@code tokenIds}.
     */
    public record Output(int logprobs, boolean echo, int n, String jsonSchema, boolean raw, List<Integer> tokenIds) {
        public static final Output TEXT = new Output(-1, false, 1, null, false, List.of());

        public Output {
            tokenIds = List.copyOf(tokenIds);
        }
    }

    /** Who said a turn. */
    public enum Role {
        USER,
        ASSISTANT
    }

    /** An earlier turn of the conversation; {@code image}: the request's image goes with this (user) turn. */
    public record Turn(Role role, String text, boolean image) {}

    /** How to pick tokens (temperature 0: greedy; a seed makes sampling repeatable), stop strings included. */
    public record Sampling(int maxTokens, double temperature, double topP, long seed, List<String> stop) {
        public Sampling {
            stop = List.copyOf(stop);
        }
    }
}
