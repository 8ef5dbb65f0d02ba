package org.invllava.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.invllava.runtime.tokenizer.ChatTemplate.Turn;
import org.junit.jupiter.api.Test;

/** vicuna_v1 rendering of one and several turns, and the EOS ids between the pieces. */
class ChatTemplateTest {
    static final String SYSTEM = ChatTemplate.VICUNA_V1_SYSTEM;

    @Test
    void oneTurnIsLlavasPrompt() {
        assertEquals(
                SYSTEM + " USER: <image>\nWhat is in the image? ASSISTANT:",
                ChatTemplate.vicunaV1("What is in the image?", true));
        assertEquals(SYSTEM + " USER: Hi ASSISTANT:", ChatTemplate.vicunaV1("Hi", false));
    }

    @Test
    void assistantTurnsEndWithTheSeparator() {
        List<String> pieces = ChatTemplate.vicunaV1(
                "Be brief.",
                List.of(
                        new Turn(ChatTemplate.Role.USER, "q1", true),
                        Turn.assistant("a1"),
                        Turn.user("q2"),
                        Turn.assistant("a2"),
                        Turn.user("q3")));
        // LLaVA: "Be brief. USER: <image>\nq1 ASSISTANT: a1</s>USER: q2 ASSISTANT: a2</s>USER: q3 ASSISTANT:"
        assertEquals(
                List.of("Be brief. USER: <image>\nq1 ASSISTANT: a1", "USER: q2 ASSISTANT: a2", "USER: q3 ASSISTANT:"),
                pieces);
    }

    @Test
    void badConversationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.vicunaV1(SYSTEM, List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> ChatTemplate.vicunaV1(SYSTEM, List.of(Turn.user("a"), Turn.assistant("b"))));
        assertThrows(
                IllegalArgumentException.class,
                () -> ChatTemplate.vicunaV1(SYSTEM, List.of(Turn.user("a"), Turn.user("b"))));
        assertThrows(IllegalArgumentException.class, () -> new Turn(ChatTemplate.Role.ASSISTANT, "x", true));
    }

    @Test
    void piecesAreJoinedByEosAndTypedSeparatorsStayText() {
        LlamaTokenizer tok = new LlamaTokenizer(LlamaTokenizerTest.tinyModel());
        int a = LlamaTokenizerTest.SPACE_A;
        assertArrayEquals(
                new int[] {1, a, 2, a, LlamaTokenizer.IMAGE_TOKEN_ID}, tok.encodePrompt(List.of("a", "a<image>")));
        assertArrayEquals(tok.encodePrompt("a"), tok.encodePrompt(List.of("a")));
        int[] typed = tok.encodePrompt("a</s>a");
        assertTrue(java.util.Arrays.stream(typed).noneMatch(id -> id == 2), "typed </s> must stay text");
    }
}
