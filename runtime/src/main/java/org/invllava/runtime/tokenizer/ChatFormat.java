package org.invllava.runtime.tokenizer;

import java.util.List;

/**
 * How a model's prompts are written: a conversation in the chat template the model was trained with, or a raw
 * completion prompt, as token ids. The image's place is one {@link LlamaTokenizer#IMAGE_TOKEN_ID}, which the model's
 * {@code expand} replaces by the image's rows.
 */
public interface ChatFormat {
    /** The vocabulary the ids are in. */
    Tokenizer tokenizer();

    /**
     * The ids of {@code turns} (alternating, starting and ending with a user turn) under {@code system}, or the
     * template's own system prompt when it is null, up to where the assistant's answer starts.
     */
    int[] conversation(String system, List<ChatTemplate.Turn> turns);

    /** The ids of a raw completion prompt (no template). */
    int[] raw(String text);

    /** One user question under the default system prompt; with an image, the image goes before the question. */
    default int[] question(String question, boolean withImage) {
        return conversation(null, List.of(new ChatTemplate.Turn(ChatTemplate.Role.USER, question, withImage)));
    }
}
