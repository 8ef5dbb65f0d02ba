package org.invllava.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code vicuna_v1} conversation template LLaVA and Inverse-LLaVA were trained with (LLaVA's
 * {@code conv_vicuna_v1}: separators {@code " "} after a user turn and {@code </s>} after an assistant turn).
 *
 * <p>A conversation renders to {@link #vicunaV1(String, List) pieces}: the text between the template's
 * {@code </s>} separators. The tokenizer puts the EOS id between pieces ({@link LlamaTokenizer#encodePrompt(List)}),
 * so text a user types can never become a separator.
 */
public final class ChatTemplate {
    public static final String VICUNA_V1_SYSTEM =
            "A chat between a curious user and an artificial intelligence assistant. "
                    + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    /** Who wrote a turn. */
    public enum Role {
        USER,
        ASSISTANT
    }

    /** One turn; {@code image} puts {@code <image>} and a newline before a user turn's text. */
    public record Turn(Role role, String text, boolean image) {
        public Turn {
            if (text == null) {
                throw new IllegalArgumentException("a turn needs text");
            }
            if (image && role != Role.USER) {
                throw new IllegalArgumentException("only a user turn can hold the image");
            }
        }

        public static Turn user(String text) {
            return new Turn(Role.USER, text, false);
        }

        public static Turn assistant(String text) {
            return new Turn(Role.ASSISTANT, text, false);
        }
    }

    private ChatTemplate() {}

    /** One user turn; with an image, {@code <image>} and a newline precede the question. */
    public static String vicunaV1(String question, boolean withImage) {
        return vicunaV1(VICUNA_V1_SYSTEM, List.of(new Turn(Role.USER, question, withImage)))
                .get(0);
    }

    /**
     * {@code system + " USER: q1 ASSISTANT: a1"}, {@code "USER: q2 ASSISTANT:"}, ...: the pieces between the
     * {@code </s>} that ends each assistant turn. Turns alternate, starting and ending with a user turn.
     */
    public static List<String> vicunaV1(String system, List<Turn> turns) {
        if (turns.isEmpty() || turns.get(turns.size() - 1).role() != Role.USER) {
            throw new IllegalArgumentException("a conversation must end with a user turn");
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder(system).append(' ');
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            Role expected = i % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (t.role() != expected) {
                throw new IllegalArgumentException(
                        "turn " + i + " must be a " + expected.name().toLowerCase(java.util.Locale.ROOT) + " turn");
            }
            if (t.role() == Role.USER) {
                piece.append("USER: ")
                        .append(t.image() ? LlamaTokenizer.IMAGE_PLACEHOLDER + "\n" : "")
                        .append(t.text())
                        .append(" ASSISTANT:");
            } else {
                pieces.add(piece.append(' ').append(t.text()).toString());
                piece.setLength(0);
            }
        }
        pieces.add(piece.toString());
        return List.copyOf(pieces);
    }
}
