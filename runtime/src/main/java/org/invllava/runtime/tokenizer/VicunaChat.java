package org.invllava.runtime.tokenizer;

import java.util.List;

/**
 * LLaVA's and Inverse-LLaVA's prompts: the {@code vicuna_v1} template ({@link ChatTemplate}) over LLaMA's tokenizer, BOS
 * first, EOS between turns; a raw prompt is BOS and the text.
 */
public record VicunaChat(LlamaTokenizer tokenizer) implements ChatFormat {
    @Override
    public int[] conversation(String system, List<ChatTemplate.Turn> turns) {
        return tokenizer.encodePrompt(
                ChatTemplate.vicunaV1(system != null ? system : ChatTemplate.VICUNA_V1_SYSTEM, turns));
    }

    @Override
    public int[] raw(String text) {
        return tokenizer.encodePrompt(text);
    }
}
