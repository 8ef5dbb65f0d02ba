package org.invllava.fusion.svc;

import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.VisualFeatures;

/** What reaches the pairing of a request's halves: its prompt, its image's features, or a prompt that cannot be read. */
sealed interface Arrival {
    record Prompt(PromptRequest value) implements Arrival {}

    record Features(VisualFeatures value) implements Arrival {}

    /** A prompt record keyed by a request id whose value is not a readable {@code PromptRequest}. */
    record UnreadablePrompt(String reason) implements Arrival {}
}
