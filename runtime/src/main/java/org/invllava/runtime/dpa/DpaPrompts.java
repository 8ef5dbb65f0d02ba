package org.invllava.runtime.dpa;

import java.util.List;
import org.invllava.runtime.tokenizer.ChatTemplate;

/**
 * The two prompts of DPA's evaluation path (DPA_SPEC §2 steps 1 and 7, the vlmevalkit path the published numbers come
 * from), written out as the chat templates render them.
 */
public final class DpaPrompts {
    public static final String SYSTEM = "You are a helpful assistant.";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** vlmevalkit's {@code CUSTOM_PREFIX}: an empty thinking block, so the thinker answers at once. */
    public static final String EMPTY_THINKING = "<think>\n\n</think>\n\n";

    private DpaPrompts() {}

    /**
     * The perceiver's prompt up to {@code <|vision_end|>} with {@code n} image pads: all the features depend on
     * (attention is causal and the question follows the image).
     */
    public static String perceiverPrefix(int n) {
        return "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + VISION_START + IMAGE_PAD.repeat(n)
                + VISION_END;
    }

    /** The perceiver's whole prompt (Qwen2.5-VL template, no generation prompt). */
    public static String perceiver(int n, String question) {
        return perceiverPrefix(n) + question + "<|im_end|>\n";
    }

    /**
     * The thinker's prompt ({@link QwenChat}'s template): Qwen3's with the generation prompt, then the empty thinking
     * block; the image span with {@code n} pads before the question.
     */
    public static String thinker(int n, String question) {
        return String.join(
                VISION_START + IMAGE_PAD.repeat(n) + VISION_END,
                QwenChat.render(SYSTEM, List.of(new ChatTemplate.Turn(ChatTemplate.Role.USER, question, true))));
    }
}
