package org.invllava.runtime.dpa;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.invllava.runtime.tokenizer.ChatFormat;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.tokenizer.LlamaTokenizer;

/**
 * DPA's thinker prompts: Qwen3's chat template ({@code <|im_start|>role\n … <|im_end|>\n} per turn) with the generation
 * prompt and an empty thinking block, so that the thinker answers at once (vlmevalkit's {@code CUSTOM_PREFIX}, the
 * path DPA's numbers come from); the system prompt DPA's evaluation gives unless the request has its own. The image
 * span ({@code <|vision_start|>}, its pads, {@code <|vision_end|>}) is one {@link LlamaTokenizer#IMAGE_TOKEN_ID}, whose
 * N+2 rows the vision side sends, followed by a newline and the turn's text. Earlier assistant turns are written
 * without a thinking block, as Qwen3's template writes them.
 */
public record QwenChat(QwenTokenizer tokenizer) implements ChatFormat {
    @Override
    public int[] conversation(String system, List<ChatTemplate.Turn> turns) {
        List<String> segments = render(system != null ? system : DpaPrompts.SYSTEM, turns);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                ids.add(LlamaTokenizer.IMAGE_TOKEN_ID);
            }
            for (int id : tokenizer.encode(segments.get(i))) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The text as it is, special tokens written in it matched as such (Qwen has no BOS). */
    @Override
    public int[] raw(String text) {
        return tokenizer.encode(text);
    }

    /**
     * The prompt's text split where the image span goes (one split at most): {@code turns} alternate, starting and
     * ending with a user turn.
     */
    static List<String> render(String system, List<ChatTemplate.Turn> turns) {
        if (turns.isEmpty() || turns.get(turns.size() - 1).role() != ChatTemplate.Role.USER) {
            throw new IllegalArgumentException("a conversation must end with a user turn");
        }
        List<String> segments = new ArrayList<>();
        StringBuilder text =
                new StringBuilder("<|im_start|>system\n").append(system).append("<|im_end|>\n");
        for (int i = 0; i < turns.size(); i++) {
            ChatTemplate.Turn t = turns.get(i);
            ChatTemplate.Role expected = i % 2 == 0 ? ChatTemplate.Role.USER : ChatTemplate.Role.ASSISTANT;
            if (t.role() != expected) {
                throw new IllegalArgumentException(
                        "turn " + i + " must be a " + expected.name().toLowerCase(Locale.ROOT) + " turn");
            }
            text.append("<|im_start|>")
                    .append(t.role().name().toLowerCase(Locale.ROOT))
                    .append('\n');
            if (t.image()) {
                segments.add(text.toString());
                text.setLength(0);
                text.append('\n');
            }
            text.append(t.text()).append("<|im_end|>\n");
        }
        segments.add(text.append("<|im_start|>assistant\n")
                .append(DpaPrompts.EMPTY_THINKING)
                .toString());
        return segments;
    }
}
